import Foundation
import HTTPTypes
import Hummingbird
import Shared

/// The gateway's limits (DESIGN.md section 7), each configurable or `off`.
struct RateLimits: Sendable {
    let limiter: RateLimiter
    let login: RateLimit?
    let register: RateLimit?
    let social: RateLimit?
    let api: RateLimit?

    init(redis: RedisClient, settings: Settings = .fromEnvironment()) throws(ConfigurationError) {
        limiter = RateLimiter(redis: redis)
        login = try RateLimit.load("login", default: (5, 300), settings: settings)
        register = try RateLimit.load("register", default: (3, 3600), settings: settings)
        social = try RateLimit.load("social", default: (10, 300), settings: settings)
        api = try RateLimit.load("api", default: (100, 60), settings: settings)
    }

    /// Throws 429 when any of `checks` is exhausted; otherwise returns the headers that tell the
    /// client where it stands on the tightest one.
    func enforce(_ checks: [(RateLimit?, String)]) async throws -> HTTPFields {
        var tightest: RateDecision?
        for case let (limit?, subject) in checks {
            let decision = await limiter.check(limit, subject: subject)
            guard decision.allowed else { throw RateLimited(decision: decision) }
            if let current = tightest, current.remaining <= decision.remaining { continue }
            tightest = decision
        }
        return tightest.map(Self.headers) ?? [:]
    }

    static func headers(_ decision: RateDecision) -> HTTPFields {
        var fields = HTTPFields()
        fields[.rateLimitLimit] = "\(decision.limit.count)"
        fields[.rateLimitRemaining] = "\(decision.remaining)"
        fields[.rateLimitReset] = "\(decision.retryAfterSeconds)"
        return fields
    }
}

/// A 429 with `Retry-After` and `RateLimit-*` headers.
struct RateLimited: Error {
    let decision: RateDecision

    var problem: Problem {
        Problem(status: 429, code: "rate_limited", title: "Too many requests",
                detail: "Limit of \(decision.limit.count) per \(decision.limit.period.components.seconds) s reached; retry in \(decision.retryAfterSeconds) s.")
    }
}

/// 100 requests a minute per client IP on every /api and /oauth route.
struct APIRateLimitMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext
    let limits: RateLimits

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let area = Self.area(of: request.uri.path)
        let oauth = area == "oauth"
        guard oauth || area == "api" else { return try await next(request, context) }
        var headers: HTTPFields = [:]
        var response: Response
        do {
            headers = try await limits.enforce([(limits.api, context.client(request).ip ?? "unknown")])
            response = try await next(request, context)
        } catch {
            // Refusals count too, and say so, each in its route's error format.
            response = oauth ? OAuthErrorResponse.make(for: error, context: context)
                             : ProblemMiddleware.response(for: error, request: request, context: context)
        }
        for field in headers where response.headers[field.name] == nil { response.headers.append(field) }
        return response
    }

    /// The path's first segment as the router reads it, so that no spelling of a route escapes
    /// the limit (issue 27: `//api/...` did). Hummingbird's router splits on "/" and skips empty
    /// segments, so `//api/x`, `/api//x` and `/api/x/` all reach `/api/x`; it neither decodes nor
    /// folds case, but the segment is decoded and lowercased here anyway, so a router that one
    /// day does cannot reopen the hole (counting a request that ends in 404 costs nothing).
    static func area(of path: String) -> String? {
        guard let first = path.split(separator: "/", omittingEmptySubsequences: true).first else { return nil }
        return (String(first).removingPercentEncoding ?? String(first)).lowercased()
    }
}
