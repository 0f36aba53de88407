// Jobs/: callback delivery, its sweeper, and the expiry sweeper.
import Foundation
import Shared

/// How SP callbacks are delivered (README has the table).
struct CallbackSettings: Sendable {
  /// One attempt's time limit.
  let timeout: Duration
  /// How long a claimed delivery is left to its worker before the sweeper hands it out again.
  let lease: Duration
  /// The first retry's delay; each later one doubles, up to an hour, with ±20% jitter.
  let retryBase: Duration
  let maxAttempts: Int
  /// After this long undelivered, a delivery is dead whatever its attempts.
  let maxAge: Duration
  /// How often each instance looks for due deliveries and expired transactions.
  let sweepEvery: Duration
  /// First attempts the deciding instance makes itself at once (0: all go through jobs).
  let directAttempts: Int

  static func load(_ settings: Settings = .fromEnvironment()) throws(ConfigurationError) -> CallbackSettings {
    let timeout = try settings.int("GATEHOUSE_CALLBACK_TIMEOUT_MS", default: 5_000, range: 100...60_000)
    let lease = try settings.int("GATEHOUSE_CALLBACK_LEASE_MS", default: 30_000, range: 500...3_600_000)
    guard lease > timeout else {
      throw ConfigurationError(name: "GATEHOUSE_CALLBACK_LEASE_MS", problem: "must be longer than GATEHOUSE_CALLBACK_TIMEOUT_MS")
    }
    return CallbackSettings(
      timeout: .milliseconds(timeout), lease: .milliseconds(lease),
      retryBase: .milliseconds(try settings.int("GATEHOUSE_CALLBACK_RETRY_BASE_MS", default: 2_000, range: 10...3_600_000)),
      maxAttempts: try settings.int("GATEHOUSE_CALLBACK_MAX_ATTEMPTS", default: 30, range: 1...1_000),
      maxAge: .seconds(try settings.int("GATEHOUSE_CALLBACK_MAX_AGE_SECONDS", default: 86_400, range: 60...604_800)),
      sweepEvery: .milliseconds(try settings.int("GATEHOUSE_IDP_SWEEP_MS", default: 250, range: 50...60_000)),
      directAttempts: try settings.int("GATEHOUSE_CALLBACK_DIRECT_ATTEMPTS", default: 64, range: 0...10_000))
  }

  /// The delay before attempt `attempt + 1`, after `attempt` failed ones.
  func retryDelay(after attempt: Int) -> Duration {
    let base = retryBase.seconds * pow(2, Double(max(0, attempt - 1)))
    let capped = min(base, 3_600)
    return .milliseconds(Int(capped * Double.random(in: 0.8...1.2) * 1000))
  }
}
