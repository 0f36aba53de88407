import Hummingbird
import NIOCore
import Shared

/// OAuth's error body (RFC 6749 section 5.2) for anything that goes wrong on an `/oauth` route.
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
            problem = .oauth("slow_down", limited.problem.detail ?? "Too many requests.", status: 429)
            headers[.retryAfter] = "\(max(1, limited.decision.retryAfterSeconds))"
            for field in RateLimits.headers(limited.decision) { headers.append(field) }
        case let given as Problem where given.code == "rate_limited":
            // token-service's per-session refresh limit, in OAuth's words.
            problem = .oauth("slow_down", given.detail ?? "Too many requests.", status: 429)
            headers[.retryAfter] = "\(max(1, given.retryAfterSeconds ?? 1))"
        case let given as Problem:
            problem = given
        default:
            context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            problem = .internalError()
        }
        let name: String
        switch problem.status {
        case 500...: name = problem.status == 500 ? "server_error" : "temporarily_unavailable"
        default: name = Self.names.contains(problem.code) ? problem.code : "invalid_request"
        }
        if name == "invalid_client" { headers[.wwwAuthenticate] = #"Basic realm="gatehouse""# }
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        headers[.requestID] = context.requestID
        var body = problem.extensions ?? [:]
        body["error"] = name
        body["error_description"] = problem.detail ?? problem.title
        let buffer = (try? JSON.encode(body)) ?? ByteBuffer(string: #"{"error":"server_error"}"#)
        return Response(status: .init(code: problem.status), headers: headers, body: .init(byteBuffer: buffer))
    }

    /// The error names OAuth clients know (RFC 6749 section 5.2, RFC 8628's slow_down), and
    /// `mfa_required` (with its `mfa_token`) for a password grant that needs a second factor.
    static let names: Set<String> = [
        "invalid_request", "invalid_client", "invalid_grant", "unauthorized_client", "unsupported_grant_type",
        "invalid_scope", "unsupported_token_type", "slow_down", "mfa_required",
    ]
}
