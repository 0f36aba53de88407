import Synchronization

/// A count several tasks add to.
final class Counter: Sendable {
  private let value = Atomic<Int>(0)
  func add() { value.wrappingAdd(1, ordering: .relaxed) }
  var count: Int { value.load(ordering: .relaxed) }
}
