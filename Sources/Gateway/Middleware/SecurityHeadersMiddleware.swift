import HTTPTypes
import Hummingbird

/// Headers every response carries. HSTS is added where TLS terminates.
struct SecurityHeadersMiddleware: RouterMiddleware {
  typealias Context = GatewayRequestContext

  func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
    var response = try await next(request, context)
    response.headers[.xContentTypeOptions] = "nosniff"
    response.headers[.xFrameOptions] = "DENY"
    response.headers[.referrerPolicy] = "no-referrer"
    return response
  }
}
