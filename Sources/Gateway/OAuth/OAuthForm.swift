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
      throw OAuthProblems.invalidRequest.problem("Send the parameters as application/x-www-form-urlencoded.")
    }
    let buffer: ByteBuffer
    do {
      buffer = try await request.body.collect(upTo: JSONBody.limit)
    } catch {
      throw OAuthProblems.bodyTooLarge.problem("A request body has at most \(JSONBody.limit / 1024) KiB.")
    }
    guard let pairs = FormBody.pairs(buffer) else { throw OAuthProblems.invalidRequest.problem("The form is not valid URL encoding.") }
    for (name, value) in pairs {
      guard values[name] == nil else { throw OAuthProblems.invalidRequest.problem("\(name) is given more than once.") }
      if !value.isEmpty { values[name] = value }
    }
  }

  subscript(name: String) -> String? { values[name] }

  func required(_ name: String) throws(Problem) -> String {
    guard let value = values[name] else { throw OAuthProblems.invalidRequest.problem("\(name) is required.") }
    return value
  }

  /// The client, from HTTP Basic (RFC 6749 section 2.3.1) or the form, never both.
  func clientCredentials(_ request: Request) throws(Problem) -> ClientCredentials {
    switch BasicCredentials.parse(request) {
    case .absent:
      break
    case .malformed:
      guard values["client_secret"] == nil else {
        throw OAuthProblems.invalidRequest.problem("Authenticate the client one way: HTTP Basic or the form, not both.")
      }
      throw OAuthProblems.invalidClient.problem("The Basic credentials are malformed.")
    case .present(let rawID, let rawSecret):
      guard values["client_secret"] == nil else {
        throw OAuthProblems.invalidRequest.problem("Authenticate the client one way: HTTP Basic or the form, not both.")
      }
      // RFC 6749 section 2.3.1: both halves are form-urlencoded before they are joined.
      guard let id = FormBody.decode(Substring(rawID)), let secret = FormBody.decode(Substring(rawSecret)), !id.isEmpty else {
        throw OAuthProblems.invalidClient.problem("The Basic credentials are malformed.")
      }
      return ClientCredentials(clientID: id, clientSecret: secret)
    }
    guard let id = values["client_id"] else { throw OAuthProblems.invalidClient.problem("client_id is required.") }
    return ClientCredentials(clientID: id, clientSecret: values["client_secret"])
  }

  func inspection(_ request: Request, context: GatewayRequestContext) throws(Problem) -> OAuthTokenInspection {
    OAuthTokenInspection(
      credentials: try clientCredentials(request), token: try required("token"),
      tokenTypeHint: values["token_type_hint"], client: context.client(request))
  }
}
