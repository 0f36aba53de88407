import Foundation
import Logging
import ServiceLifecycle

/// Runs the cleanup on every worker instance: once at start, then every interval. Instances
/// need no coordination beyond the runner's per-table lock: the first to reach a table works it,
/// the others skip it until their next run.
public struct CleanupSchedule: Service {
  let runner: CleanupRunner
  let interval: Duration
  let logger: Logger

  public init(runner: CleanupRunner, interval: Duration, logger: Logger) {
    self.runner = runner
    self.interval = interval
    self.logger = logger
  }

  public func run() async throws {
    while !Task.isCancelled && !Task.isShuttingDownGracefully {
      do {
        for outcome in try await runner.runOnce() { outcome.log(to: logger) }
      } catch {
        logger.warning("cleanup could not start", metadata: ["error": "\(StatementRefused.loggable(error))"])
      }
      await pause(for: interval)
    }
  }
}

extension CleanupRunner.Outcome {
  func log(to logger: Logger) {
    let metadata: Logger.Metadata = ["table": "\(table)", "rows": "\(deleted)", "ms": "\(elapsed.milliseconds)"]
    if let error {
      logger.warning("cleanup of a table failed", metadata: metadata.merging(["error": "\(error)"]) { $1 })
    } else if skipped {
      logger.debug("cleanup of a table skipped: another instance is working it", metadata: metadata)
    } else if deleted > 0 {
      logger.info("cleanup deleted rows past their retention", metadata: metadata)
    }
  }

  /// One line for `<service> cleanup`.
  public var summary: String {
    if let error { return "\(table): failed after \(deleted) rows: \(error)" }
    if skipped { return "\(table): skipped, another instance is working it" }
    let seconds = Double(elapsed.milliseconds) / 1000
    let rate = seconds > 0 && deleted > 0 ? String(format: " (%.0f rows/s)", Double(deleted) / seconds) : ""
    return "\(table): deleted \(deleted) in \(String(format: "%.2f", seconds)) s\(rate)"
  }
}
