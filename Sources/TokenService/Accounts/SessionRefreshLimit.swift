import Foundation
import Shared

/// At most so many rotations per session (`token_refresh`: 20 a minute; docs/limits.md), set by
/// `GATEHOUSE_RATE_LIMIT_REFRESH` (`count/seconds` or `off`). Counted here rather than at the
/// gateway because only token-service knows which session an opaque refresh token belongs to;
/// in Redis, so every instance counts together. A refused refresh spends nothing: the client
/// retries the same token after `Retry-After`. Retries answered from the grace copy are not
/// rotations and do not count.
struct SessionRefreshLimit: Sendable {
  let limiter: RateLimiter
  let limit: RateLimit?

  static func load(redis: RedisClient, settings: Settings = .fromEnvironment()) throws(ConfigurationError) -> SessionRefreshLimit {
    SessionRefreshLimit(limiter: RateLimiter(redis: redis), limit: try RateLimit.load("refresh", default: (20, 60), settings: settings))
  }

  func admit(session: UUID) async throws {
    guard let limit else { return }
    let decision = await limiter.check(limit, subject: "session:\(session.uuidString.lowercased())")
    guard decision.allowed else { throw decision.problem }
  }
}
