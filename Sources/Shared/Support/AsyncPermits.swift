import Synchronization

/// A counting semaphore for async code: bounds how much work is in flight.
final class AsyncPermits: Sendable {
  private struct State {
    var available: Int
    var waiters: [CheckedContinuation<Void, Never>] = []
  }

  private let state: Mutex<State>

  init(_ count: Int) {
    state = Mutex(State(available: count))
  }

  /// Waits for one permit.
  func acquire() async {
    await withCheckedContinuation { continuation in
      let granted = state.withLock { state -> Bool in
        if state.available > 0 {
          state.available -= 1
          return true
        }
        state.waiters.append(continuation)
        return false
      }
      if granted { continuation.resume() }
    }
  }

  /// Takes up to `count` permits without waiting; returns how many it took.
  func tryAcquire(upTo count: Int) -> Int {
    state.withLock { state in
      let taken = min(count, state.available)
      state.available -= taken
      return taken
    }
  }

  func release(_ count: Int = 1) {
    guard count > 0 else { return }
    let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
      let n = min(count, state.waiters.count)
      let woken = Array(state.waiters.prefix(n))
      state.waiters.removeFirst(n)
      state.available += count - n
      return woken
    }
    for continuation in woken { continuation.resume() }
  }
}
