// Verification/: the rules of a verification: who may ask, who may decide, and in what order.
import Foundation
import NIOCore
import Shared

/// One actor per live transaction on this instance (DESIGN.md section 4): decisions on it run
/// one at a time here, and once one has decided, the rest are answered from memory without
/// touching the database. Across instances the locked row decides.
///
/// The turn is handed from one decision to the next through continuations rather than by
/// chaining tasks: a registry keeps an actor for 30 s after its last use, and a kept task (with
/// its allocation) per transaction held about 24 MB more in idp-service at 500/s.
actor TransactionActor {
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private var decided: VerificationStatusName?

    func decide(_ body: @Sendable () async throws -> TransactionStore.Decision) async throws -> TransactionStore.Decision {
        if let decided { return .alreadyDecided(decided) }
        if busy {
            await withCheckedContinuation { waiting.append($0) }  // the turn is handed over busy
        } else {
            busy = true
        }
        defer { handOver() }
        if let decided { return .alreadyDecided(decided) }
        let outcome = try await body()
        record(outcome)
        return outcome
    }

    private func handOver() {
        if waiting.isEmpty {
            busy = false
        } else {
            waiting.removeFirst().resume()
        }
    }

    private func record(_ outcome: TransactionStore.Decision) {
        switch outcome {
        case .completed: decided = .completed
        case .rejected, .wrongPin: decided = .failed
        case .expired: decided = .expired
        case .alreadyDecided(let status): decided = status
        case .pinLocked: break
        }
    }
}

/// The registry of transaction actors: created on first use, forgotten once nobody has asked
/// for one for `idle` (stragglers within that time are still answered from memory; after it,
/// the database answers them), and the oldest first when more than `bound` are kept. Forgetting
/// costs O(1) per call and never waits on another actor: an earlier version walked the whole
/// registry, asking each actor whether it had decided, on every call once the bound was reached
/// (after 100 s at 500 confirms a second), and stalled confirms for as long.
actor TransactionActors {
    private struct Entry {
        let actor: TransactionActor
        var touched: ContinuousClock.Instant
    }

    private var actors: [UUID: Entry] = [:]
    /// One item per entry, oldest touch first (an entry touched since is re-queued when met).
    private var byAge = CircularBuffer<(id: UUID, touched: ContinuousClock.Instant)>()
    private let idle: Duration = .seconds(30)
    private let bound = 50_000

    func actor(for id: UUID) -> TransactionActor {
        let now = ContinuousClock.now
        forgetIdle(now: now)
        if var known = actors[id] {
            known.touched = now
            actors[id] = known
            return known.actor
        }
        let actor = TransactionActor()
        actors[id] = Entry(actor: actor, touched: now)
        byAge.append((id, now))
        return actor
    }

    /// Forgetting an actor that is still deciding is safe: a later decision makes a new one, and
    /// the conditional statement in the database decides between them as between instances.
    private func forgetIdle(now: ContinuousClock.Instant) {
        while let oldest = byAge.first, oldest.touched < now - idle || actors.count > bound {
            byAge.removeFirst()
            guard let entry = actors[oldest.id] else { continue }
            if entry.touched > oldest.touched, actors.count <= bound {
                byAge.append((oldest.id, entry.touched))
            } else {
                actors[oldest.id] = nil
            }
        }
    }
}
