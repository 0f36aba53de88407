import Foundation
import Hummingbird
import NIOCore
import Shared

/// An `application/x-www-form-urlencoded` body as OAuth reads it: each parameter at most once
/// (RFC 6749 section 3.2), empty values as absent.
struct OAuthForm {
    private var values: [String: String] = [:]

    init(_ request: Request) async throws {
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
            throw Problem.oauth("invalid_request", "Send the parameters as application/x-www-form-urlencoded.")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: JSONBody.limit)
        } catch {
            throw Problem.oauth("invalid_request", "A request body has at most \(JSONBody.limit / 1024) KiB.", status: 413)
        }
        guard let pairs = FormBody.pairs(buffer) else { throw Problem.oauth("invalid_request", "The form is not valid URL encoding.") }
        for (name, value) in pairs {
            guard values[name] == nil else { throw Problem.oauth("invalid_request", "\(name) is given more than once.") }
            if !value.isEmpty { values[name] = value }
        }
    }

    subscript(name: String) -> String? { values[name] }

    func required(_ name: String) throws(Problem) -> String {
        guard let value = values[name] else { throw .oauth("invalid_request", "\(name) is required.") }
        return value
    }

    /// The client, from HTTP Basic (RFC 6749 section 2.3.1) or the form, never both.
    func clientCredentials(_ request: Request) throws(Problem) -> ClientCredentials {
        switch BasicCredentials.parse(request) {
        case .absent:
            break
        case .malformed:
            guard values["client_secret"] == nil else {
                throw .oauth("invalid_request", "Authenticate the client one way: HTTP Basic or the form, not both.")
            }
            throw .oauth("invalid_client", "The Basic credentials are malformed.", status: 401)
        case .present(let rawID, let rawSecret):
            guard values["client_secret"] == nil else {
                throw .oauth("invalid_request", "Authenticate the client one way: HTTP Basic or the form, not both.")
            }
            // RFC 6749 section 2.3.1: both halves are form-urlencoded before they are joined.
            guard let id = FormBody.decode(Substring(rawID)), let secret = FormBody.decode(Substring(rawSecret)), !id.isEmpty else {
                throw .oauth("invalid_client", "The Basic credentials are malformed.", status: 401)
            }
            return ClientCredentials(clientID: id, clientSecret: secret)
        }
        guard let id = values["client_id"] else { throw .oauth("invalid_client", "client_id is required.", status: 401) }
        return ClientCredentials(clientID: id, clientSecret: values["client_secret"])
    }

    func inspection(_ request: Request, context: GatewayRequestContext) throws(Problem) -> OAuthTokenInspection {
        OAuthTokenInspection(credentials: try clientCredentials(request), token: try required("token"),
                             tokenTypeHint: values["token_type_hint"], client: context.client(request))
    }
}
