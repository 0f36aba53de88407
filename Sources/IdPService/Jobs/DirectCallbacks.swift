import Foundation
import Synchronization

/// The deciding instance's own first attempt at a callback, right after the decision commits:
/// no job to queue and read back, no claim to write (the decision's statement took attempt 1
/// and its lease). Bounded: with `capacity` attempts in flight, further decisions leave their
/// callbacks to job workers, so a slow SP cannot pile work onto the instance answering people.
/// A decider that dies mid-attempt leaves the delivery to the sweeper once the lease passes.
final class DirectCallbacks: Sendable {
  private let capacity: Int
  private let inFlight = Atomic<Int>(0)

  init(capacity: Int) {
    self.capacity = capacity
  }

  /// A place for one more attempt, if there is one; give it back with `release()` unless a
  /// delivery claimed here takes it.
  func reserve() -> Bool {
    var current = inFlight.load(ordering: .relaxed)
    while current < capacity {
      let (exchanged, original) = inFlight.compareExchange(expected: current, desired: current + 1, ordering: .acquiringAndReleasing)
      if exchanged { return true }
      current = original
    }
    return false
  }

  func release() {
    inFlight.subtract(1, ordering: .acquiringAndReleasing)
  }
}
