import Logging
import Metrics

/// The seed's suspicious-activity rules (docs/security.md, "Signals"), each kept per subject in
/// Redis and raised once per window when crossed: `gatehouse_security_signals_total{rule}` goes up
/// (Prometheus alerts on it, deploy/prometheus/alerts.yml) and a warning is logged naming the
/// subject. Counting never fails the request it watches: a Redis error loses the count and is
/// logged.
public struct SecuritySignals: Sendable {
  public enum Rule: String, Sendable, CaseIterable {
    /// More than 5 refused access tokens from one address in an hour (seed 001).
    case invalidTokensFromAddress = "invalid_tokens_from_address"
    /// 3 or more failed identity verifications of one person in 7 days (seed 002, Q2).
    case failedVerificationsOfPerson = "failed_verifications_of_person"
    /// 5 or more sign-in attempts on one account from 3 or more addresses in an hour (seed 002, section 7.3).
    case addressesOfAccount = "addresses_of_account"

    var window: Int {
      switch self {
      case .invalidTokensFromAddress, .addressesOfAccount: 3600
      case .failedVerificationsOfPerson: 7 * 24 * 3600
      }
    }

    var count: Int {
      switch self {
      case .invalidTokensFromAddress: 6
      case .failedVerificationsOfPerson: 3
      case .addressesOfAccount: 5
      }
    }

    var addresses: Int { self == .addressesOfAccount ? 3 : 0 }
  }

  let redis: RedisClient
  let logger: Logger

  /// Registers the counters at 0, so an alert's `increase()` sees their first rise.
  public init(redis: RedisClient, logger: Logger) {
    self.redis = redis
    self.logger = logger
    for rule in Rule.allCases {
      Counter(label: "gatehouse_security_signals_total", dimensions: [("rule", rule.rawValue)]).increment(by: 0)
    }
    SecurityCounters.refreshReuse(by: 0)
  }

  /// One event of `rule` for `subject` (an address, a user id); `address` for the rules that
  /// count distinct addresses. Returns whether this event raised the signal.
  @discardableResult
  public func count(_ rule: Rule, subject: String, address: String? = nil) async -> Bool {
    // One hash tag for the three keys, so the script runs on Redis Cluster too (docs/plumbing.md).
    let base = "gh:signal:{\(rule.rawValue):\(subject)}"
    do {
      let raised = try await Self.script.run(
        on: redis, keys: [base + ":n", base + ":a", base + ":raised"],
        arguments: [.int(rule.window), .int(rule.count), .string(address ?? ""), .int(rule.addresses)])
      guard raised.int == 1 else { return false }
      Counter(label: "gatehouse_security_signals_total", dimensions: [("rule", rule.rawValue)]).increment()
      logger.warning("security signal", metadata: ["rule": "\(rule.rawValue)", "subject": "\(subject)"])
      return true
    } catch {
      logger.warning("security signal not counted", metadata: ["rule": "\(rule.rawValue)", "error": "\(type(of: error))"])
      return false
    }
  }

  /// Counts the event and the distinct addresses in the rule's window (both from the window's
  /// first event), and marks the signal raised once both thresholds are met, for the rest of the window.
  static let script = RedisScript(
    """
    local n = redis.call('INCR', KEYS[1])
    if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
    local d = 0
    if ARGV[3] ~= '' then
      redis.call('SADD', KEYS[2], ARGV[3])
      if redis.call('TTL', KEYS[2]) < 0 then redis.call('EXPIRE', KEYS[2], ARGV[1]) end
      d = redis.call('SCARD', KEYS[2])
    end
    if n >= tonumber(ARGV[2]) and d >= tonumber(ARGV[4]) then
      if redis.call('SET', KEYS[3], '1', 'NX', 'EX', ARGV[1]) then return 1 end
    end
    return 0
    """)
}
