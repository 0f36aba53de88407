import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Shared

/// Turns every error into RFC 9457 problem JSON (`ProblemResponse`) with a stable `code` and the
/// request id. Errors that are not problems are logged and answered as a bare 500: no stack
/// trace, no detail.
struct ProblemMiddleware: RouterMiddleware {
  typealias Context = GatewayRequestContext
  /// Under the pages' own prefixes (`/account`, `/approve`, `/admin`), a path or method no route
  /// serves is the error page instead, as a person's browser expects.
  var pages: HostedPages?

  func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
    do {
      return try await next(request, context)
    } catch let error as HTTPError where pages != nil && Self.isPage(request.uri.path) {
      return pages?.error(Self.problem(for: error, path: request.uri.path), request: request, context: context)
        ?? Self.response(for: error, request: request, context: context)
    } catch {
      return Self.response(for: error, request: request, context: context)
    }
  }

  static func isPage(_ path: String) -> Bool {
    AccountConsoleSignIn.prefixes.contains { path == $0 || path.hasPrefix($0 + "/") }
  }

  static func response(for error: any Error, request: Request, context: Context) -> Response {
    switch error {
    case let problem as Problem:
      return problem.response(from: request, context: context)
    case let limited as RateLimited:
      var response = limited.problem.response(from: request, context: context)
      response.headers[.retryAfter] = "\(max(1, limited.decision.retryAfterSeconds))"
      for field in RateLimits.headers(limited.decision) { response.headers.append(field) }
      return response
    case let challenge as BearerChallenge:
      var response = challenge.problem.response(from: request, context: context)
      response.headers[.wwwAuthenticate] = #"Bearer error="invalid_token", error_description="\#(challenge.problem.detail ?? "")""#
      return response
    case let error as HTTPError:
      return problem(for: error, path: request.uri.path).response(from: request, context: context)
    default:
      context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
      return Problem.internalError().response(from: request, context: context)
    }
  }

  static func problem(for error: HTTPError, path: String) -> Problem {
    switch error.status {
    case .notFound:
      return RequestProblems.notFound.problem("No resource at \(path).")
    case .methodNotAllowed:
      return RequestProblems.methodNotAllowed.problem(error.body)
    case .contentTooLarge:
      return RequestProblems.payloadTooLarge.problem(error.body)
    default:
      // Another refusal of Hummingbird's: its status and reason phrase, with our code for its class.
      var problem = (error.status.code < 500 ? RequestProblems.invalidRequest : PlatformProblems.internalError).problem(error.body)
      problem.statusCode = error.status.code
      problem.title = error.status.reasonPhrase
      return problem
    }
  }
}

/// The gateway's context carries the request id that problem answers quote.
extension GatewayRequestContext: RequestIdentified {}
