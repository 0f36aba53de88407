import Logging
import ServiceLifecycle
import Shared

/// Checks the audit log's hash chains on a schedule and records the result for the admin
/// console (docs/admin.md, "Audit log"): `GATEHOUSE_AUDIT_CHECK_SECONDS`, default an hour, 0
/// turns it off. Every instance looks; the database decides, so one check runs per period.
struct AuditChainSchedule: Service {
  let store: AuditChainStore
  let seconds: Int
  let logger: Logger

  static func seconds(_ settings: Settings = .fromEnvironment()) throws(ConfigurationError) -> Int? {
    let seconds = try settings.int("GATEHOUSE_AUDIT_CHECK_SECONDS", default: 3600, range: 0...7 * 86_400)
    return seconds == 0 ? nil : seconds
  }

  func run() async throws {
    // Often enough that a check is at most a tenth of the period (or a minute) late.
    let lookEvery = Duration.seconds(min(60, max(1, seconds / 10)))
    while !Task.isCancelled && !Task.isShuttingDownGracefully {
      do {
        if let outcome = try await store.checkIfDue(everySeconds: seconds) {
          if outcome.problems.isEmpty {
            logger.info("audit log intact", metadata: ["rows": "\(outcome.rows)", "chains": "\(outcome.chains)"])
          } else {
            logger.error("audit log TAMPERED", metadata: ["problems": "\(outcome.problems.count)", "first": "\(outcome.problems[0])"])
          }
        }
      } catch {
        logger.warning("scheduled audit check failed", metadata: ["error": "\(StatementRefused.loggable(error))"])
      }
      await pause(for: lookEvery)
    }
  }
}
