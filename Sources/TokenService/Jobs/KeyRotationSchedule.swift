// Jobs/: token-service's background work.
import Logging
import ServiceLifecycle
import Shared

/// Rotates the signing keys on a schedule (docs/keys.md: keys rotate by a command and a schedule, never
/// by a restart). Every instance checks; the database decides, so one rotation happens per period
/// however many instances run. `GATEHOUSE_KEY_ROTATION_SECONDS`: default 30 days, 0 turns it off.
struct KeyRotationSchedule: Service {
  let store: SigningKeyStore
  let events: EventBus
  let interval: Duration
  let logger: Logger

  /// How often instances look: often enough that a rotation is at most a tenth of the interval (or a minute) late.
  var checkEvery: Duration { min(.seconds(60), max(.seconds(1), interval / 10)) }

  static func interval(_ settings: Settings = .fromEnvironment()) throws(ConfigurationError) -> Duration? {
    let seconds = try settings.int("GATEHOUSE_KEY_ROTATION_SECONDS", default: 30 * 86_400, range: 0...366 * 86_400)
    return seconds == 0 ? nil : .seconds(seconds)
  }

  func run() async throws {
    while !Task.isCancelled && !Task.isShuttingDownGracefully {
      do {
        if let rotation = try await store.rotateIfCurrent(olderThan: interval) {
          logger.info("signing keys rotated on schedule", metadata: ["current": "\(rotation.current)", "next": "\(rotation.next)"])
          _ = try? await events.publish(Topics.keys, KeysChanged(currentKid: rotation.current))
        }
      } catch {
        logger.warning("scheduled key rotation failed", metadata: ["error": "\(StatementRefused.loggable(error))"])
      }
      await pause(for: checkEvery)
    }
  }
}
