import Hummingbird
import Shared

/// OAuth's error body (RFC 6749 section 5.2, rendered by OAuthErrorBody) for anything that goes
/// wrong on an `/oauth` route; a rate limit is OAuth's `slow_down`.
enum OAuthErrorResponse {
  static func catching(_ context: GatewayRequestContext, _ body: () async throws -> Response) async throws -> Response {
    do {
      return try await body()
    } catch {
      return make(for: error, context: context)
    }
  }

  static func make(for error: any Error, context: GatewayRequestContext) -> Response {
    let problem: Problem
    var headers: HTTPFields = [:]
    switch error {
    case let limited as RateLimited:
      problem = OAuthProblems.slowDown.problem(limited.problem.detail ?? "Too many requests.")
      headers[.retryAfter] = "\(max(1, limited.decision.retryAfterSeconds))"
      for field in RateLimits.headers(limited.decision) { headers.append(field) }
    case let given as Problem where PlatformProblems.rateLimited ~= given:
      // token-service's per-session refresh limit, in OAuth's words.
      problem = OAuthProblems.slowDown.problem(given.detail ?? "Too many requests.")
      headers[.retryAfter] = "\(max(1, given.retryAfterSeconds ?? 1))"
    case let challenge as BearerChallenge:
      // `/oauth/userinfo` without a good access token (RFC 6750 section 3).
      problem = challenge.problem
      headers[.wwwAuthenticate] = #"Bearer error="invalid_token", error_description="\#(challenge.problem.detail ?? "")""#
    case let given as Problem where OpenIDProblems.insufficientScope ~= given:
      problem = given
      headers[.wwwAuthenticate] = #"Bearer error="insufficient_scope", scope="openid""#
    case let given as Problem:
      problem = given
    case let refused as HTTPError:
      // The router's own refusals (no route for this method): a 404, never a 500 (issue 16's
      // contract fuzzing found TRACE /oauth/token answered 500).
      problem = ProblemMiddleware.problem(for: refused, path: "this path")
    default:
      context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
      problem = .internalError()
    }
    return OAuthErrorBody.make(problem, requestID: context.requestID, headers: headers)
  }
}
