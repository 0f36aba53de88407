import NIOCore
import Synchronization

/// Holds at most one live connection and replaces it when it breaks.
///
/// Reconnection is lazy and single-flight: the first caller after a failure dials, concurrent
/// callers await the same attempt, and after a failed attempt callers fail fast (no hang) until
/// the back-off has passed. Back-off doubles from 50 ms up to 2 s and resets on success.
final class RedisConnectionSlot: Sendable {
  private enum Phase {
    case idle
    case connecting(Task<RedisConnection, any Error>)
    case connected(RedisConnection)
    case backingOff(until: ContinuousClock.Instant, reason: String)
  }

  private struct State {
    var phase: Phase = .idle
    var failures = 0
  }

  private let endpoint: RedisEndpoint
  private let onPush: (@Sendable (RESPValue) -> Void)?
  private let state = Mutex(State())

  init(endpoint: RedisEndpoint, onPush: (@Sendable (RESPValue) -> Void)? = nil) {
    self.endpoint = endpoint
    self.onPush = onPush
  }

  func connection() async throws -> RedisConnection {
    enum Next {
      case ready(RedisConnection)
      case wait(Task<RedisConnection, any Error>)
      case fail(String)
    }
    let next: Next = state.withLock { state in
      switch state.phase {
      case .connected(let connection) where connection.isActive:
        return .ready(connection)
      case .connecting(let task):
        return .wait(task)
      case .backingOff(let until, let reason) where ContinuousClock.now < until:
        return .fail(reason)
      case .idle, .connected, .backingOff:
        let endpoint = self.endpoint
        let onPush = self.onPush
        let task = Task { try await RedisConnection.connect(to: endpoint, onPush: onPush) }
        state.phase = .connecting(task)
        return .wait(task)
      }
    }
    switch next {
    case .ready(let connection):
      return connection
    case .fail(let reason):
      throw RedisError.unavailable(reason)
    case .wait(let task):
      do {
        let connection = try await task.value
        state.withLock { state in
          guard case .connecting = state.phase else { return }
          state.phase = .connected(connection)
          state.failures = 0
        }
        return connection
      } catch {
        state.withLock { state in
          guard case .connecting = state.phase else { return }
          let delay = Self.backoff(afterFailures: state.failures)
          state.failures += 1
          state.phase = .backingOff(until: .now + delay, reason: "\(error)")
        }
        throw error
      }
    }
  }

  /// Closes the current connection; the next call dials again.
  func close() {
    let old: RedisConnection? = state.withLock { state in
      defer { state.phase = .idle }
      if case .connected(let connection) = state.phase { return connection }
      return nil
    }
    old?.close()
  }

  static func backoff(afterFailures failures: Int) -> Duration {
    .milliseconds(min(2000, 50 << min(failures, 6)))
  }
}
