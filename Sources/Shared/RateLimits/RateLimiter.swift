// RateLimits/: request limits kept in Redis, so every instance counts together. The gateway
// limits requests; token-service limits refreshes per session, which only it can name.
import Metrics

/// One limit: at most `count` requests per `period`, as GCRA (a smoothed sliding window).
public struct RateLimit: Sendable, Equatable {
  public let name: String
  public let count: Int
  public let period: Duration

  public init(name: String, count: Int, period: Duration) {
    self.name = name
    self.count = count
    self.period = period
  }

  /// `GATEHOUSE_RATE_LIMIT_<NAME>` = `count/seconds`, or `off`; nil when turned off.
  public static func load(_ name: String, default value: (Int, Int), settings: Settings) throws(ConfigurationError) -> RateLimit? {
    let variable = "GATEHOUSE_RATE_LIMIT_\(name.uppercased())"
    guard let text = settings.string(variable) else {
      return RateLimit(name: name, count: value.0, period: .seconds(value.1))
    }
    if text.lowercased() == "off" { return nil }
    let parts = text.split(separator: "/")
    guard parts.count == 2, let count = Int(parts[0]), let seconds = Int(parts[1]), count > 0, seconds > 0 else {
      throw ConfigurationError(name: variable, problem: "expected count/seconds (for example 5/300) or off, got '\(text)'")
    }
    return RateLimit(name: name, count: count, period: .seconds(seconds))
  }
}

/// What the limiter decided for one request.
public struct RateDecision: Sendable {
  public let allowed: Bool
  public let remaining: Int
  public let retryAfterSeconds: Int
  public let limit: RateLimit

  /// The 429 every refusal answers (RFC 9457, code `rate_limited`, `Retry-After`).
  public var problem: Problem {
    PlatformProblems.rateLimited.problem(
      "Limit of \(limit.count) per \(limit.period.components.seconds) s reached; retry in \(retryAfterSeconds) s.",
      retryAfterSeconds: max(1, retryAfterSeconds))
  }
}

/// GCRA in one Lua script on the Redis server's clock: atomic however many gateways ask.
public struct RateLimiter: Sendable {
  let redis: RedisClient

  public init(redis: RedisClient) { self.redis = redis }

  /// KEYS: the counter. ARGV: period ms, count. Returns {allowed, remaining, retry-after ms}.
  static let script = RedisScript(
    """
    local t = redis.call('TIME')
    local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
    local period = tonumber(ARGV[1])
    local interval = period / tonumber(ARGV[2])
    local tat = tonumber(redis.call('GET', KEYS[1]) or now)
    if tat < now then tat = now end
    local new_tat = tat + interval
    local allow_at = new_tat - period
    if allow_at > now then
      return {0, 0, math.ceil(allow_at - now)}
    end
    redis.call('SET', KEYS[1], tostring(new_tat), 'PX', math.ceil(new_tat - now))
    return {1, math.floor((period - (new_tat - now)) / interval), 0}
    """)

  /// Counts one request against `limit` for `subject` (an IP, or IP and username). When Redis
  /// cannot answer, the request is allowed: a limiter outage must not become an outage. Each
  /// request let through that way counts in `gatehouse_rate_limit_unavailable_total{limit}`, so
  /// that an outage of the limits is seen on a dashboard rather than by an attacker.
  public func check(_ limit: RateLimit, subject: String) async -> RateDecision {
    do {
      let reply = try await Self.script.run(
        on: redis, keys: ["gh:rl:{\(limit.name):\(subject)}"],
        arguments: [.int(Int(limit.period.milliseconds)), .int(limit.count)])
      let values = reply.array?.compactMap(\.int) ?? []
      guard values.count == 3 else {
        Self.allowedUnchecked(limit)
        return RateDecision(allowed: true, remaining: 0, retryAfterSeconds: 0, limit: limit)
      }
      return RateDecision(
        allowed: values[0] == 1, remaining: values[1],
        retryAfterSeconds: Int((Double(values[2]) / 1000).rounded(.up)), limit: limit)
    } catch {
      Self.allowedUnchecked(limit)
      return RateDecision(allowed: true, remaining: limit.count, retryAfterSeconds: 0, limit: limit)
    }
  }

  private static func allowedUnchecked(_ limit: RateLimit) {
    Counter(label: "gatehouse_rate_limit_unavailable_total", dimensions: [("limit", limit.name)]).increment()
  }
}
