import Foundation
import Shared

/// How a phone number is proven (docs/idp.md, "Phone numbers"): how long a code lives, how many
/// tries it has, and how many codes a number and a person may be sent.
struct PhoneCodeRules: Sendable {
  /// A code's lifetime (5 minutes).
  var lifetime: Duration = .seconds(300)
  /// Wrong codes after which the claim is dead.
  var attempts = 5
  /// Codes one number may be sent (3 an hour): a number's owner is not flooded by strangers' claims.
  var perNumber = CodeLimit(count: 3, period: .seconds(3_600))
  /// Codes one person may ask for (5 an hour): nobody spends SMS on every number in turn.
  var perUser = CodeLimit(count: 5, period: .seconds(3_600))

  struct CodeLimit: Sendable, Equatable {
    let count: Int
    let period: Duration
  }

  /// Codes sent within one limit's period: how many, and how long ago the oldest was sent.
  struct Usage: Sendable {
    let count: Int
    let oldestAge: Duration?
  }

  static func load(_ settings: Settings = .fromEnvironment()) throws(ConfigurationError) -> PhoneCodeRules {
    PhoneCodeRules(
      lifetime: .seconds(try settings.int("GATEHOUSE_IDP_PHONE_CODE_TTL_SECONDS", default: 300, range: 30...3_600)),
      attempts: try settings.int("GATEHOUSE_IDP_PHONE_CODE_ATTEMPTS", default: 5, range: 1...20),
      perNumber: try limit("GATEHOUSE_IDP_PHONE_CODES_PER_NUMBER", default: CodeLimit(count: 3, period: .seconds(3_600)), settings),
      perUser: try limit("GATEHOUSE_IDP_PHONE_CODES_PER_USER", default: CodeLimit(count: 5, period: .seconds(3_600)), settings))
  }

  /// `count/seconds`, as the gateway's rate limits are written.
  private static func limit(_ name: String, default value: CodeLimit, _ settings: Settings) throws(ConfigurationError) -> CodeLimit {
    guard let text = settings.string(name) else { return value }
    let parts = text.split(separator: "/")
    guard parts.count == 2, let count = Int(parts[0]), let seconds = Int(parts[1]), (1...1_000).contains(count),
      (1...86_400).contains(seconds)
    else {
      throw ConfigurationError(name: name, problem: "expected count/seconds (for example 3/3600), got '\(text)'")
    }
    return CodeLimit(count: count, period: .seconds(seconds))
  }

  /// The 429 for a new code, if either limit is spent: `Retry-After` is when the oldest code
  /// in the spent window leaves it.
  func refusal(number: Usage, user: Usage) -> Problem? {
    var waits: [(Duration, String)] = []
    if number.count >= perNumber.count {
      waits.append(
        (perNumber.period - (number.oldestAge ?? .zero), "\(perNumber.count) codes per number per \(Self.describe(perNumber.period))"))
    }
    if user.count >= perUser.count {
      waits.append((perUser.period - (user.oldestAge ?? .zero), "\(perUser.count) codes per person per \(Self.describe(perUser.period))"))
    }
    guard let (wait, limit) = waits.max(by: { $0.0 < $1.0 }) else { return nil }
    let seconds = max(1, Int(wait.components.seconds) + 1)
    return IdPProblems.tooManyCodes.problem(
      "At most \(limit) are sent; ask again in \(seconds) s.", field: "user_phone_number",
      retryAfterSeconds: seconds)
  }

  private static func describe(_ period: Duration) -> String {
    let seconds = period.components.seconds
    return seconds % 3_600 == 0 ? (seconds == 3_600 ? "hour" : "\(seconds / 3_600) hours") : "\(seconds) s"
  }
}
