import HTTPTypes
import Hummingbird
import Shared

/// CORS (the Fetch standard) with credentials, for the origins some service allows. A preflight
/// from an allowed origin gets 204 with what may be sent; one from any other origin gets a 403
/// problem, and answers to it carry no CORS headers, so the browser keeps the response from the
/// page. The public documents under `/.well-known/` are readable from anywhere, without credentials.
struct CORSMiddleware: RouterMiddleware {
  typealias Context = GatewayRequestContext
  let origins: AllowedOrigins

  static let methods = "GET, POST, PUT, PATCH, DELETE"
  static let allowedHeaders = "Authorization, Content-Type, X-Request-Id, traceparent"
  static let exposedHeaders = "X-Request-Id, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, WWW-Authenticate"

  func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
    guard let origin = request.headers[.origin] else { return try await next(request, context) }
    let isPreflight = request.method == .options && request.headers[.accessControlRequestMethod] != nil
    if request.uri.path.hasPrefix("/.well-known/") {
      var response = isPreflight ? Response(status: .noContent) : try await next(request, context)
      response.headers[.accessControlAllowOrigin] = "*"
      if isPreflight { response.headers[.accessControlAllowMethods] = "GET" }
      return response
    }
    let allowed = await origins.allows(origin)
    if isPreflight {
      guard allowed else {
        let refusal = RequestProblems.originNotAllowed.problem("\(origin) is not an allowed origin of any service.")
        return ProblemResponse.make(refusal, requestID: context.requestID)
      }
      var response = Response(status: .noContent)
      response.headers[.accessControlAllowMethods] = Self.methods
      response.headers[.accessControlAllowHeaders] = Self.allowedHeaders
      response.headers[.accessControlMaxAge] = "600"
      return Self.allow(origin, response)
    }
    let response = try await next(request, context)
    guard allowed else { return Self.vary(response) }
    var exposing = response
    exposing.headers[.accessControlExposeHeaders] = Self.exposedHeaders
    return Self.allow(origin, exposing)
  }

  private static func allow(_ origin: String, _ response: Response) -> Response {
    var response = vary(response)
    response.headers[.accessControlAllowOrigin] = origin
    response.headers[.accessControlAllowCredentials] = "true"
    return response
  }

  /// The answer depends on Origin, so caches must keep one per origin.
  private static func vary(_ response: Response) -> Response {
    var response = response
    response.headers.append(HTTPField(name: .vary, value: "Origin"))
    return response
  }
}
