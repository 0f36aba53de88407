// Verification/: the rules of a verification: who may ask, who may decide, and in what order.
import Foundation
import Shared

/// One actor per live transaction on this instance (DESIGN.md section 4): decisions on it run
/// one at a time here, and once one has decided, the rest are answered from memory without
/// touching the database. Across instances the locked row decides.
actor TransactionActor {
    private var tail: Task<Void, Never>?
    private var decided: VerificationStatusName?

    var isDecided: Bool { decided != nil }

    func decide(_ body: @escaping @Sendable () async throws -> TransactionStore.Decision) async throws -> TransactionStore.Decision {
        let previous = tail
        let task = Task { () async throws -> TransactionStore.Decision in
            await previous?.value
            if let decided = await self.decided { return .alreadyDecided(decided) }
            let outcome = try await body()
            await self.record(outcome)
            return outcome
        }
        tail = Task { _ = try? await task.value }
        return try await task.value
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

/// The registry of transaction actors: created on first use, forgotten once decided (after a
/// while, so stragglers still find the answer) or when the registry grows past its bound.
actor TransactionActors {
    private var actors: [UUID: (actor: TransactionActor, touched: ContinuousClock.Instant)] = [:]
    private let bound = 50_000

    func actor(for id: UUID) async -> TransactionActor {
        let now = ContinuousClock.now
        if let known = actors[id] {
            actors[id] = (known.actor, now)
            return known.actor
        }
        if actors.count >= bound { await evict(olderThan: .seconds(30)) }
        let actor = TransactionActor()
        actors[id] = (actor, now)
        return actor
    }

    private func evict(olderThan age: Duration) async {
        let cutoff = ContinuousClock.now - age
        for (id, entry) in actors where entry.touched < cutoff {
            if await entry.actor.isDecided || actors.count >= bound { actors[id] = nil }
        }
    }
}
