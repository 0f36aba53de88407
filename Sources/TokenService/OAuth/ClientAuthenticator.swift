// OAuth/: the OAuth 2.0 endpoints (RFC 6749, 7009, 7662) on top of the account rules.
import Crypto
import Foundation
import Shared

/// Who an OAuth request comes from: a service's client, by its id and (for a confidential
/// client) its secret. A public client (an app that cannot keep a secret) sends only its id and
/// may use the password and refresh grants and revoke its tokens; `client_credentials` and
/// introspection need the secret.
struct ClientAuthenticator: Sendable {
    let services: ServiceStore

    struct Client: Sendable {
        let service: ServiceRecord
        let confidential: Bool
    }

    func authenticate(_ credentials: ClientCredentials, requireSecret: Bool) async throws -> Client {
        guard let (service, secretHash) = try await services.find(clientID: credentials.clientID), !service.deleted else {
            throw Problem.oauth("invalid_client", "Unknown client.", status: 401)
        }
        guard let secret = credentials.clientSecret else {
            guard !requireSecret else { throw Problem.oauth("invalid_client", "This request needs the client secret.", status: 401) }
            return Client(service: service, confidential: false)
        }
        let presented = Array(SHA256.hash(data: Array(secret.utf8)))
        guard ConstantTime.equal(presented, secretHash) else {
            throw Problem.oauth("invalid_client", "The client secret is wrong.", status: 401)
        }
        return Client(service: service, confidential: true)
    }
}

extension Problem {
    /// The account rules' refusals, in OAuth's words.
    var asOAuthError: Problem {
        switch code {
        case "invalid_credentials", "account_locked", "account_disabled", "access_denied",
             "invalid_refresh_token", "refresh_token_reused", "service_not_found", "service_unavailable":
            return .oauth("invalid_grant", detail ?? title)
        case "client_type_not_allowed":
            return .oauth("unauthorized_client", detail ?? title)
        case "invalid_field", "missing_field", "invalid_request":
            return .oauth("invalid_request", detail ?? title)
        default:
            return self
        }
    }
}
