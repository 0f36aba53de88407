import Synchronization

/// Runs a handler so that it answers shortly before its request's deadline, while its caller
/// still waits: a handler waiting for a PostgreSQL connection that is not coming (the server
/// restarting) then answers 503 `database_unavailable` instead of being dropped after the caller
/// has answered 504, and no handler holds its permit past the deadline.
///
/// The handler runs in a task of its own. When its time is up it is cancelled; if it has not
/// ended a moment later (it is stuck in something cancellation cannot reach), the answer goes
/// without it and the task is left to end on its own. The times are kept by one sweep for the
/// whole process (`DeadlineSweeper`), not a timer per request: an event-loop timer set and
/// cancelled from another thread wakes that loop twice per request, and a sleeping child task,
/// once cancelled, holds its memory until its deadline on Linux.
enum RPCDeadline {
  /// How long before the deadline the handler is stopped: a tenth of the time it was given,
  /// between 20 and 250 ms. Half of that is left for it to end after its cancellation.
  static func margin(remainingMs: Int64) -> Int64 {
    min(250, max(20, remainingMs / 10))
  }

  static func run<T: Sendable>(
    untilUnixMilliseconds deadline: Int64,
    _ body: @escaping @Sendable () async throws -> T
  ) async throws -> T {
    let remaining = deadline - unixMilliseconds()
    let margin = margin(remainingMs: remaining)
    let cancelAt = max(0, remaining - margin)
    let outcome = Outcome<T>()
    let task = Task {
      do { outcome.finish(.success(try await body())) } catch { outcome.finish(.failure(error)) }
    }
    let now = unixMilliseconds()
    let entry = DeadlineSweeper.shared.add(
      cancelAt: now + cancelAt, abandonAt: now + cancelAt + margin / 2,
      cancel: {
        outcome.markStopped()
        task.cancel()
      },
      abandon: { outcome.finish(.failure(DeadlineError(underlying: CancellationError()))) })
    defer { DeadlineSweeper.shared.remove(entry) }
    return try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation { continuation in outcome.await(continuation) }
    } onCancel: {
      task.cancel()
    }
  }

  /// What a handler stopped at its deadline threw (or `CancellationError` if it did not end).
  struct DeadlineError: Error {
    let underlying: any Error
  }

  /// The first result to arrive, the handler's or the abandonment's, handed to the waiter once:
  /// later results are dropped, and the waiter is set once, so exactly one side resumes it.
  private final class Outcome<T: Sendable>: Sendable {
    private struct State {
      var result: Result<T, any Error>?
      var waiter: CheckedContinuation<T, any Error>?
      var stopped = false
    }

    private let state = Mutex(State())

    func markStopped() { state.withLock { $0.stopped = true } }

    func finish(_ result: Result<T, any Error>) {
      let ready = state.withLock { state -> (CheckedContinuation<T, any Error>, Result<T, any Error>)? in
        guard state.result == nil else { return nil }
        var result = result
        if state.stopped, case .failure(let error) = result, !(error is Problem), !(error is DeadlineError) {
          result = .failure(DeadlineError(underlying: error))
        }
        state.result = result
        return state.waiter.map { ($0, result) }
      }
      if let (waiter, result) = ready { waiter.resume(with: result) }
    }

    func await(_ continuation: CheckedContinuation<T, any Error>) {
      let ready = state.withLock { state -> Result<T, any Error>? in
        state.waiter = continuation
        return state.result
      }
      if let ready { continuation.resume(with: ready) }
    }
  }
}

/// Runs the deadlines of every `RPCDeadline.run` in the process: one task that wakes every 10 ms
/// while any is pending (and not at all otherwise), cancels what is due and abandons what did not
/// end after its cancellation.
final class DeadlineSweeper: Sendable {
  static let shared = DeadlineSweeper()
  static let tick: Duration = .milliseconds(10)

  private struct Entry {
    let cancelAt: Int64
    let abandonAt: Int64
    var cancelled = false
    let cancel: @Sendable () -> Void
    let abandon: @Sendable () -> Void
  }

  private struct State {
    var entries: [Int: Entry] = [:]
    var next = 0
    var sweeping = false
  }

  private let state = Mutex(State())

  func add(cancelAt: Int64, abandonAt: Int64, cancel: @escaping @Sendable () -> Void, abandon: @escaping @Sendable () -> Void) -> Int {
    let (id, start) = state.withLock { state -> (Int, Bool) in
      state.next &+= 1
      state.entries[state.next] = Entry(cancelAt: cancelAt, abandonAt: abandonAt, cancel: cancel, abandon: abandon)
      let start = !state.sweeping
      state.sweeping = true
      return (state.next, start)
    }
    if start { Task { await self.sweep() } }
    return id
  }

  func remove(_ id: Int) {
    state.withLock { _ = $0.entries.removeValue(forKey: id) }
  }

  private func sweep() async {
    while true {
      try? await Task.sleep(for: Self.tick)
      let now = unixMilliseconds()
      let due = state.withLock { state -> [@Sendable () -> Void]? in
        guard !state.entries.isEmpty else {
          state.sweeping = false
          return nil
        }
        var due: [@Sendable () -> Void] = []
        for (id, entry) in state.entries {
          if entry.abandonAt <= now {
            due.append(entry.abandon)
            state.entries[id] = nil
          } else if !entry.cancelled, entry.cancelAt <= now {
            due.append(entry.cancel)
            state.entries[id]?.cancelled = true
          }
        }
        return due
      }
      guard let due else { return }
      for action in due { action() }
    }
  }
}
