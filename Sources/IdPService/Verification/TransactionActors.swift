// Verification/: the rules of a verification: who may ask, who may decide, and in what order.
import Foundation
import NIOCore
import Shared

/// One actor per live transaction on this instance (docs/idp.md, "The flow"): decisions on it run
/// one at a time here, and once one has decided, the rest are answered from memory without
/// touching the database, but only for the person whose transaction it is: anyone else goes to
/// the database, which answers 404 as for a transaction that does not exist (a stranger told
/// "409, already COMPLETED" learnt that the id is real and what became of it). Across instances
/// the locked row decides.
///
/// The turn is handed from one decision to the next through continuations rather than by
/// chaining tasks: a registry keeps an actor for 30 s after its last use, and a kept task (with
/// its allocation) per transaction held about 24 MB more in idp-service at 500/s.
actor TransactionActor {
  private var busy = false
  private var waiting: [CheckedContinuation<Void, Never>] = []
  /// The decided status, and whose transaction it is (an outcome was read for that person).
  private var decided: (status: VerificationStatusName, owner: UUID)?

  /// `body` decides for `person` (and throws not-found if it is not theirs).
  func decide(by person: UUID, _ body: @Sendable () async throws -> TransactionDecider.Decision) async throws -> TransactionDecider.Decision
  {
    if let decided, decided.owner == person { return .alreadyDecided(decided.status) }
    if busy {
      await withCheckedContinuation { waiting.append($0) }  // the turn is handed over busy
    } else {
      busy = true
    }
    defer { handOver() }
    if let decided, decided.owner == person { return .alreadyDecided(decided.status) }
    let outcome = try await body()
    record(outcome, owner: person)
    return outcome
  }

  private func handOver() {
    if waiting.isEmpty {
      busy = false
    } else {
      waiting.removeFirst().resume()
    }
  }

  private func record(_ outcome: TransactionDecider.Decision, owner: UUID) {
    switch outcome {
    case .completed: decided = (.completed, owner)
    case .rejected, .wrongPin: decided = (.failed, owner)
    case .expired: decided = (.expired, owner)
    case .alreadyDecided(let status): decided = (status, owner)
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
