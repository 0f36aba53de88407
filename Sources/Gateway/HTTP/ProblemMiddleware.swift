import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Shared

/// Turns every error into RFC 9457 problem JSON with a stable `code` and the request id. Errors
/// that are not problems are logged and answered as a bare 500: no stack trace, no detail.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return Self.response(for: error, request: request, context: context)
        }
    }

    static func response(for error: any Error, request: Request, context: Context) -> Response {
        switch error {
        case let problem as Problem:
            return ProblemResponse.make(problem, requestID: context.requestID)
        case let limited as RateLimited:
            var response = ProblemResponse.make(limited.problem, requestID: context.requestID)
            response.headers[.retryAfter] = "\(max(1, limited.decision.retryAfterSeconds))"
            for field in RateLimits.headers(limited.decision) { response.headers.append(field) }
            return response
        case let challenge as BearerChallenge:
            var response = ProblemResponse.make(challenge.problem, requestID: context.requestID)
            response.headers[.wwwAuthenticate] = #"Bearer error="invalid_token", error_description="\#(challenge.problem.detail ?? "")""#
            return response
        case let error as HTTPError:
            return ProblemResponse.make(problem(for: error, path: request.uri.path), requestID: context.requestID)
        default:
            context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            return ProblemResponse.make(.internalError(), requestID: context.requestID)
        }
    }

    static func problem(for error: HTTPError, path: String) -> Problem {
        switch error.status {
        case .notFound:
            return .notFound("No resource at \(path).")
        case .methodNotAllowed:
            return Problem(status: 405, code: "method_not_allowed", title: "Method not allowed", detail: error.body)
        case .contentTooLarge:
            return Problem(status: 413, code: "payload_too_large", title: "Request body too large", detail: error.body)
        default:
            return Problem(status: Int(error.status.code), code: error.status.code < 500 ? "invalid_request" : "internal_error",
                           title: error.status.reasonPhrase, detail: error.body)
        }
    }
}

/// An `application/problem+json` response.
enum ProblemResponse {
    struct Body: Encodable {
        let type: String
        let title: String
        let status: Int
        let detail: String?
        let code: String
        let field: String?
        let requestID: String
        let extensions: [String: String]?

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        /// The standard members, then any extension members at the same level (RFC 9457 section 3.2).
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Key.self)
            try c.encode(type, forKey: Key(stringValue: "type"))
            try c.encode(title, forKey: Key(stringValue: "title"))
            try c.encode(status, forKey: Key(stringValue: "status"))
            try c.encodeIfPresent(detail, forKey: Key(stringValue: "detail"))
            try c.encode(code, forKey: Key(stringValue: "code"))
            try c.encodeIfPresent(field, forKey: Key(stringValue: "field"))
            try c.encode(requestID, forKey: Key(stringValue: "request_id"))
            for (name, value) in extensions ?? [:] { try c.encode(value, forKey: Key(stringValue: name)) }
        }
    }

    static func make(_ problem: Problem, requestID: String) -> Response {
        let body = Body(type: problem.type, title: problem.title, status: problem.status, detail: problem.detail,
                        code: problem.code, field: problem.field, requestID: requestID,
                        extensions: problem.extensions)
        let buffer = (try? JSON.encode(body)) ?? ByteBuffer(string: #"{"code":"internal_error"}"#)
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        headers[.requestID] = requestID
        headers[.cacheControl] = "no-store"
        if let seconds = problem.retryAfterSeconds { headers[.retryAfter] = "\(seconds)" }
        return Response(status: .init(code: problem.status), headers: headers, body: .init(byteBuffer: buffer))
    }
}
