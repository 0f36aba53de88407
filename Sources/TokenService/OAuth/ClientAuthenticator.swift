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
      throw OAuthProblems.invalidClient.problem("Unknown client.")
    }
    guard let secret = credentials.clientSecret else {
      guard !requireSecret else { throw OAuthProblems.invalidClient.problem("This request needs the client secret.") }
      return Client(service: service, confidential: false)
    }
    let presented = Array(SHA256.hash(data: Array(secret.utf8)))
    guard ConstantTime.equal(presented, secretHash) else {
      throw OAuthProblems.invalidClient.problem("The client secret is wrong.")
    }
    return Client(service: service, confidential: true)
  }
}

extension Problem {
  /// The account rules' refusals, in OAuth's words. Kinds match by code: `serviceClosed` is
  /// also the 503 `service_unavailable`.
  var asOAuthError: Problem {
    switch self {
    case SignInProblems.invalidCredentials, SignInProblems.accountLocked, SignInProblems.accountDisabled, SignInProblems.accessDenied,
      SignInProblems.invalidRefreshToken, SignInProblems.refreshTokenReused, ServiceAdminProblems.serviceNotFound,
      ServiceAdminProblems.serviceClosed:
      return OAuthProblems.invalidGrant.problem(detail ?? title)
    case SignInProblems.clientTypeNotAllowed:
      return OAuthProblems.unauthorizedClient.problem(detail ?? title)
    case RequestProblems.invalidField, RequestProblems.missingField, RequestProblems.invalidRequest:
      return OAuthProblems.invalidRequest.problem(detail ?? title)
    default:
      return self
    }
  }
}
