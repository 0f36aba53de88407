import Logging
import ServiceLifecycle
import Synchronization

/// A service of the process's group that says in the log when it is slow to stop: a shutdown
/// that runs out its grace (and then its cancellation time) names the part that held it.
struct NamedService: Service {
  let base: any Service
  let logger: Logger

  var name: String { (base as? any CustomStringConvertible)?.description ?? String(describing: type(of: base)) }

  func run() async throws {
    let watch = StopWatch()
    defer { watch.finished() }
    try await withGracefulShutdownHandler {
      try await base.run()
    } onGracefulShutdown: { [logger, name] in
      watch.asked {
        var waited: Duration = .zero
        while (try? await Task.sleep(for: Self.slowStop)) != nil {
          waited += Self.slowStop
          logger.warning("still stopping", metadata: ["part": "\(name)", "ms": "\(waited.milliseconds)"])
        }
      }
    }
  }

  /// Longer than the blocking reads (1 s) that every Redis consumer finishes before it stops.
  static let slowStop: Duration = .seconds(2)
}

/// The watch on one part's stop: started when it is asked to stop, cancelled when it has; a
/// request to stop that comes after it has stopped starts nothing.
private final class StopWatch: Sendable {
  private enum State {
    case running
    case stopping(Task<Void, Never>)
    case stopped
  }

  private let state = Mutex(State.running)

  func asked(_ watch: @escaping @Sendable () async -> Void) {
    state.withLock {
      if case .running = $0 { $0 = .stopping(Task(operation: watch)) }
    }
  }

  func finished() {
    state.withLock {
      if case .stopping(let task) = $0 { task.cancel() }
      $0 = .stopped
    }
  }
}
