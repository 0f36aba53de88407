// IdP/: what the gateway keeps for verification traffic: long-poll waiters and inbox streams.
import Foundation
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
    }

    func register(_ transactionID: String) -> Ticket {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let id = SecureRandom.uuid()
        waiting[transactionID, default: [:]][id] = continuation
        return Ticket(transactionID: transactionID, id: id, stream: stream)
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

    /// Waits until the ticket's transaction changes or `timeout` passes; true when it changed.
    func wait(_ ticket: Ticket, timeout: Duration) async -> Bool {
        let changed = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await _ in ticket.stream { return true }
                return false
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        cancel(ticket)
        return changed
    }

    func follow(_ events: AsyncStream<TransactionChanged>) async {
        for await event in events { changed(event.transactionID) }
    }
}
