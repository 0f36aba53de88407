import NIOCore
import NIOPosix
import Synchronization

/// Runs a handler so that it answers shortly before its request's deadline, while its caller
/// still waits: a handler waiting for a PostgreSQL connection that is not coming (the server
/// restarting) then answers 503 `database_unavailable` instead of being dropped after the caller
/// has answered 504, and no handler holds its permit past the deadline.
///
/// The handler runs in a task of its own. An event-loop timer cancels it when its time is up;
/// if it has not ended a moment later (it is stuck in something cancellation cannot reach), the
/// answer goes without it and the task is left to end on its own. Timers, not sleeping child
/// tasks: on Linux a cancelled sleep holds its memory until its deadline, about 1 KB per request
/// for the length of the RPC timeout.
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
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let cancel = loop.scheduleTask(in: .milliseconds(cancelAt)) {
            outcome.markStopped()
            task.cancel()
        }
        let abandon = loop.scheduleTask(in: .milliseconds(cancelAt + margin / 2)) {
            outcome.finish(.failure(DeadlineError(underlying: CancellationError())))
        }
        defer {
            cancel.cancel()
            abandon.cancel()
        }
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

    /// The first result to arrive, the handler's or the abandonment's, handed to the waiter once.
    private final class Outcome<T: Sendable>: Sendable {
        private struct State {
            var result: Result<T, any Error>?
            var waiter: CheckedContinuation<T, any Error>?
            var stopped = false
            var delivered = false
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
                guard let waiter = state.waiter, !state.delivered else { return nil }
                state.delivered = true
                return (waiter, result)
            }
            if let (waiter, result) = ready { waiter.resume(with: result) }
        }

        func await(_ continuation: CheckedContinuation<T, any Error>) {
            let ready = state.withLock { state -> Result<T, any Error>? in
                state.waiter = continuation
                guard let result = state.result, !state.delivered else { return nil }
                state.delivered = true
                return result
            }
            if let ready { continuation.resume(with: ready) }
        }
    }
}
