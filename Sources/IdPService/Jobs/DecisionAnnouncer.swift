import Foundation
import Logging
import Shared

/// Tells the world a decision was made, after it committed: the SP's callback (attempted here
/// when the decision claimed it, otherwise a job; the sweeper covers a lost one) and
/// `gh:ev:idp` for long-polling SPs.
struct DecisionAnnouncer: Sendable {
  let redis: RedisClient
  let events: EventBus
  let callbacks: CallbackDelivery
  let direct: DirectCallbacks
  let logger: Logger

  func announce(_ delivery: TransactionStore.Delivery) async {
    // The decision is answered without waiting for the event: it is at most once anyway, and
    // a long-polling SP re-reads the status on every wake-up.
    let changed = TransactionChanged(transactionID: delivery.transactionID.uuidString.lowercased(), status: delivery.status)
    Task { [events] in _ = try? await events.publish(Topics.idp, changed) }
    if delivery.claimedHere {
      let claimed = DeliveryStore.Claimed(
        id: delivery.id, transactionID: delivery.transactionID, spID: delivery.spID,
        body: delivery.body, attempt: 1, createdAt: Date())
      Task { [callbacks, direct, logger] in
        defer { direct.release() }
        do {
          try await callbacks.attempt(claimed)
        } catch {
          logger.warning(
            "callback attempt not recorded; the sweeper retries it", metadata: ["delivery_id": "\(claimed.id)", "error": "\(error)"])
        }
      }
    } else {
      do {
        try await CallbackDelivery.enqueue(delivery.id, attempts: 0, redis: redis)
      } catch {
        logger.warning("callback left to the sweeper", metadata: ["delivery_id": "\(delivery.id)", "error": "\(error)"])
      }
    }
  }
}
