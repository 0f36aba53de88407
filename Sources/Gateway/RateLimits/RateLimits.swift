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
        let path = request.uri.path
        let oauth = path.hasPrefix("/oauth/")
        guard oauth || path.hasPrefix("/api/") else { return try await next(request, context) }
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
}
