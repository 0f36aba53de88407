import Logging
import ServiceLifecycle
import Shared

/// Every instance, every `sweepEvery`: expires what is past its time (within a sweep of
/// `expires_at`), and hands out deliveries that are due: retries whose time has come, and any
/// whose job Redis lost or whose worker died.
struct IdPSweeper: Service {
  let transactions: TransactionStore
  let deliveries: DeliveryStore
  let announcer: DecisionAnnouncer
  let settings: CallbackSettings
  let redis: RedisClient
  let logger: Logger

  func run() async throws {
    while !Task.isCancelled && !Task.isShuttingDownGracefully {
      do {
        for delivery in try await transactions.expireDue() { await announcer.announce(delivery) }
        for due in try await deliveries.due(lease: settings.lease) {
          try await CallbackDelivery.enqueue(due.id, attempts: due.attempts, redis: redis)
        }
      } catch {
        logger.warning("idp sweep failed", metadata: ["error": "\(StatementRefused.loggable(error))"])
      }
      await pause(for: settings.sweepEvery)
    }
  }
}
