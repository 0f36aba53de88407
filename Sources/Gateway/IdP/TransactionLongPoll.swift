import Foundation
import Shared

/// `GET /api/v1/idp/requests/{id}?wait=`: answers as soon as the status leaves PENDING, or after
/// `wait`. Events are at most once, so every wake-up re-reads; once past expires_at, the status is
/// re-read every 250 ms until the expiry (by any instance's sweeper) lands.
struct TransactionLongPoll: Sendable {
  let rpc: RPCClient
  let waiters: TransactionWaiters

  func status(_ call: SPTransactionRequest, id: String, wait: Duration, context: RPCCallContext) async throws -> VerificationStatus {
    let deadline = ContinuousClock.now + wait
    while true {
      let ticket = await waiters.register(id.lowercased())  // before the read, so no change is missed
      let current: VerificationStatus
      do { current = try await rpc.call(IdPRPC.requestStatus, call, context: context) } catch {
        await waiters.cancel(ticket)
        throw error
      }
      let left = deadline - ContinuousClock.now
      guard current.status == .pending, left > .zero, !Task.isCancelled else {
        await waiters.cancel(ticket)
        return current
      }
      let untilExpiry = Duration.milliseconds(Int64(max(0, current.expiresAt.timeIntervalSinceNow) * 1000))
      let nap = untilExpiry > .zero ? untilExpiry + .milliseconds(100) : .milliseconds(250)
      _ = await waiters.wait(ticket, timeout: min(left, nap))
    }
  }
}
