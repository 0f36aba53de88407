import Foundation
import HTTPTypes
import Hummingbird
import Shared

/// The gateway's limits (docs/limits.md), each configurable or `off`.
struct RateLimits: Sendable {
  let limiter: RateLimiter
  /// Sign-ins per client address.
  let login: RateLimit?
  /// Sign-ins per client address and identifier: `GATEHOUSE_RATE_LIMIT_LOGIN_USER`, `LOGIN`'s
  /// value when unset. With one limit for both keys the per-identifier one could never refuse
  /// what the per-address one allowed (an address's count includes each of its identifiers'),
  /// so a deployment whose clients share addresses (offices, carrier NAT) could not loosen the
  /// address limit while holding each account to a few guesses per address (docs/limits.md).
  let loginUser: RateLimit?
  let register: RateLimit?
  /// Password-reset requests, per client address and per e-mail address (seed 000: 3 an hour).
  let passwordReset: RateLimit?
  let social: RateLimit?
  let api: RateLimit?
  /// Per signed-in user, on the routes that act for one (1000 an hour by default, docs/limits.md).
  let user: RateLimit?
  /// Per service provider (client id), for an SP without a limit of its own (docs/limits.md).
  let sp: RateLimit?

  init(redis: RedisClient, settings: Settings = .fromEnvironment()) throws(ConfigurationError) {
    limiter = RateLimiter(redis: redis)
    login = try RateLimit.load("login", default: (5, 300), settings: settings)
    loginUser =
      settings.string("GATEHOUSE_RATE_LIMIT_LOGIN_USER") == nil
      ? login.map { RateLimit(name: "login_user", count: $0.count, period: $0.period) }
      : try RateLimit.load("login_user", default: (5, 300), settings: settings)
    register = try RateLimit.load("register", default: (3, 3600), settings: settings)
    passwordReset = try RateLimit.load("password_reset", default: (3, 3600), settings: settings)
    social = try RateLimit.load("social", default: (10, 300), settings: settings)
    api = try RateLimit.load("api", default: (100, 60), settings: settings)
    user = try RateLimit.load("user", default: (1000, 3600), settings: settings)
    sp = try RateLimit.load("sp", default: (120_000, 60), settings: settings)
  }

  /// Throws 429 when any of `checks` is exhausted; otherwise returns the headers that tell the
  /// client where it stands on the tightest one.
  func enforce(_ checks: [(RateLimit?, String)]) async throws -> HTTPFields {
    var tightest: RateDecision?
    for case (let limit?, let subject) in checks {
      let decision = await limiter.check(limit, subject: subject)
      guard decision.allowed else {
        SecurityCounters.rateLimited(limit.name)
        throw RateLimited(decision: decision)
      }
      if let current = tightest, current.remaining <= decision.remaining { continue }
      tightest = decision
    }
    return tightest.map(Self.headers) ?? [:]
  }

  /// A password-reset request: per client address and per e-mail address (any case), so that
  /// neither one address nor one mailbox can be flooded.
  func enforcePasswordReset(ip: String?, email: String) async throws {
    _ = try await enforce([(passwordReset, "ip:\(ip ?? "unknown")"), (passwordReset, "email:\(email.lowercased())")])
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

  var problem: Problem { decision.problem }
}

/// 100 requests a minute per client IP on every /api and /oauth route; a service provider's
/// calls (`/api/v1/idp/...` with its client credentials) per client id instead.
struct APIRateLimitMiddleware: RouterMiddleware {
  typealias Context = GatewayRequestContext
  let limits: RateLimits
  let serviceProviders: ServiceProviderLimits

  func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
    let segments = Self.segments(of: request.uri.path)
    let oauth = segments.first == "oauth"
    guard oauth || segments.first == "api" else { return try await next(request, context) }
    var headers: HTTPFields = [:]
    var response: Response
    do {
      headers = try await count(request, segments: segments, context: context)
      response = try await next(request, context)
    } catch {
      // Refusals count too, and say so, each in its route's error format.
      response =
        oauth
        ? OAuthErrorResponse.make(for: error, context: context)
        : ProblemMiddleware.response(for: error, request: request, context: context)
    }
    for field in headers where response.headers[field.name] == nil { response.headers.append(field) }
    return response
  }

  private func count(_ request: Request, segments: [String], context: Context) async throws -> HTTPFields {
    let perAddress = [(limits.api, context.client(request).ip ?? "unknown")]
    guard Self.isServiceProviderRoute(segments),
      request.headers[.authorization]?.lowercased().hasPrefix("basic ") == true || request.headers[.xClientID] != nil,
      let credentials = try? ServiceProviderMiddleware.credentials(request)
    else { return try await limits.enforce(perAddress) }
    let sp = try await serviceProviders.callLimit(credentials, context: context.rpcContext) { _ = try await limits.enforce(perAddress) }
    guard let sp else { return [:] }  // counted against the address on the way
    return try await limits.enforce([(ServiceProviderLimits.limit(sp, default: limits.sp), sp.clientID)])
  }

  /// The path's segments as the router reads them, so that no spelling of a route escapes
  /// the limit (`//api/...` did; docs/security.md). Hummingbird's router splits on "/" and skips empty
  /// segments, so `//api/x`, `/api//x` and `/api/x/` all reach `/api/x`; it neither decodes nor
  /// folds case, but the segment is decoded and lowercased here anyway, so a router that one
  /// day does cannot reopen the hole (counting a request that ends in 404 costs nothing).
  /// The routes an SP calls (IdPController): `requests`, `requests/{id}`, `requests/{id}/result`, `stats`.
  /// A person's routes under `/api/v1/idp` stay per address (and per user).
  static func isServiceProviderRoute(_ segments: [String]) -> Bool {
    guard segments.starts(with: ["api", "v1", "idp"]) else { return false }
    let route = segments.dropFirst(3)
    switch (route.first, route.count) {
    case ("stats", 1), ("requests", 1), ("requests", 2): return true
    case ("requests", 3): return route.last == "result"
    default: return false
    }
  }

  static func segments(of path: String) -> [String] {
    path.split(separator: "/", omittingEmptySubsequences: true).map { (String($0).removingPercentEncoding ?? String($0)).lowercased() }
  }
}
