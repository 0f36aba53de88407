/// How often worker instances clean up and how much one batch deletes (README, docs/retention.md).
public struct CleanupSettings: Sendable {
  /// Between runs on one instance; nil turns the schedule off (`<service> cleanup` still works).
  public var interval: Duration?
  /// Rows one batch (one short transaction) deletes at most.
  public var batchSize: Int

  public init(interval: Duration?, batchSize: Int) {
    self.interval = interval
    self.batchSize = batchSize
  }

  public static func load(_ settings: Settings = .fromEnvironment()) throws(ConfigurationError) -> CleanupSettings {
    let interval = try settings.duration("GATEHOUSE_CLEANUP_INTERVAL", default: .seconds(600), range: .zero ... .seconds(86_400))
    let batchSize = try settings.int("GATEHOUSE_CLEANUP_BATCH_SIZE", default: 1000, range: 1...100_000)
    return CleanupSettings(interval: interval == .zero ? nil : interval, batchSize: batchSize)
  }
}

extension Settings {
  /// `GATEHOUSE_RETENTION_<name>`: how long rows of one kind are kept once they stopped
  /// mattering, at least `minimum` (which is where other readers of the rows need them).
  public func retention(_ name: String, default value: Duration, minimum: Duration = .zero) throws(ConfigurationError) -> Duration {
    try duration("GATEHOUSE_RETENTION_\(name)", default: value, range: minimum ... .seconds(3650 * 86_400))
  }
}
