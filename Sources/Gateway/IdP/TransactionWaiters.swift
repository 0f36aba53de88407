// IdP/: what the gateway keeps for verification traffic: long-poll waiters and inbox streams.
import Foundation
import NIOPosix
import Shared

/// SPs long-polling a transaction (`GET /api/v1/idp/requests/{id}?wait=`), woken by `gh:ev:idp`.
/// A waiter registers before it reads the status, so a change between the read and the wait is
/// not missed.
actor TransactionWaiters {
  private var waiting: [String: [UUID: AsyncStream<Void>.Continuation]] = [:]

  struct Ticket: Sendable {
    let transactionID: String
    let id: UUID
    let stream: AsyncStream<Void>
    let continuation: AsyncStream<Void>.Continuation
  }

  func register(_ transactionID: String) -> Ticket {
    let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    let id = SecureRandom.uuid()
    waiting[transactionID, default: [:]][id] = continuation
    return Ticket(transactionID: transactionID, id: id, stream: stream, continuation: continuation)
  }

  func cancel(_ ticket: Ticket) {
    waiting[ticket.transactionID]?[ticket.id]?.finish()
    waiting[ticket.transactionID]?[ticket.id] = nil
    if waiting[ticket.transactionID]?.isEmpty == true { waiting[ticket.transactionID] = nil }
  }

  func changed(_ transactionID: String) {
    guard let continuations = waiting.removeValue(forKey: transactionID) else { return }
    for continuation in continuations.values {
      continuation.yield()
      continuation.finish()
    }
  }

  /// Waits until the ticket's transaction changes, `timeout` passes or the task is cancelled;
  /// true when it changed. The time limit is an event-loop timer that is gone as soon as it is
  /// cancelled. A sleeping task raced against the stream would, once cancelled by an early
  /// answer, keep its task and dispatch timer on Linux until the deadline, up to 30 s per
  /// long poll (the same leak as the PostgreSQL pool's, docs/plumbing.md).
  func wait(_ ticket: Ticket, timeout: Duration) async -> Bool {
    let continuation = ticket.continuation
    let loop = MultiThreadedEventLoopGroup.singleton.next()
    let limit = loop.scheduleTask(in: .milliseconds(timeout.milliseconds)) { continuation.finish() }
    var changed = false
    for await _ in ticket.stream {
      changed = true
      break
    }
    limit.cancel()
    cancel(ticket)
    return changed
  }

  func follow(_ events: AsyncStream<TransactionChanged>) async {
    for await event in events { changed(event.transactionID) }
  }
}
