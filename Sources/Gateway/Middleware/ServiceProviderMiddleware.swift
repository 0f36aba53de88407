import Hummingbird
import Shared

/// In front of the routes a service provider calls: reads its client credentials (HTTP Basic, or
/// `X-Client-ID` / `X-Client-Secret`) and leaves them for SPContext; 401 `invalid_client` when
/// they are missing or malformed. idp-service checks them.
struct ServiceProviderMiddleware: RouterMiddleware {
  typealias Context = GatewayRequestContext

  func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
    var context = context
    context.serviceProvider = try Self.credentials(request)
    return try await next(request, context)
  }

  /// An SP's client credentials: HTTP Basic, or `X-Client-ID` / `X-Client-Secret`.
  static func credentials(_ request: Request) throws -> ClientCredentials {
    switch BasicCredentials.parse(request) {
    case .absent:
      break
    case .malformed:
      throw IdPProblems.invalidClient.problem("The Basic credentials are malformed.")
    case .present(let id, let secret):
      return ClientCredentials(clientID: id, clientSecret: secret)
    }
    guard let id = request.headers[.xClientID], let secret = request.headers[.xClientSecret] else { throw missing }
    return ClientCredentials(clientID: id, clientSecret: secret)
  }

  static let missing = IdPProblems.invalidClient.problem(
    "Authenticate with HTTP Basic (client_id:client_secret) or X-Client-ID and X-Client-Secret.")
}
