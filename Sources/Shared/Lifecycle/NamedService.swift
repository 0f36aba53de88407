import Logging
import ServiceLifecycle
import Synchronization

/// A service of the process's group that says in the log when it is slow to stop: a shutdown
/// that runs out its grace (and then its cancellation time) names the part that held it.
struct NamedService: Service {
  let base: any Service
  let logger: Logger

  var name: String { (base as? CustomStringConvertible)?.description ?? String(describing: type(of: base)) }

  func run() async throws {
    let watch = StopWatch()
    defer {
      watch.task.withLock {
        $0?.cancel()
        $0 = Task {}
      }
    }
    try await withGracefulShutdownHandler {
      try await base.run()
    } onGracefulShutdown: { [logger, name] in
      watch.task.withLock { current in
        guard current == nil else { return }
        current = Task {
          var waited: Duration = .zero
          while !Task.isCancelled {
            try? await Task.sleep(for: Self.slowStop)
            waited += Self.slowStop
            if !Task.isCancelled { logger.warning("still stopping", metadata: ["part": "\(name)", "ms": "\(waited.milliseconds)"]) }
          }
        }
      }
    }
  }

  /// Longer than the blocking reads (1 s) that every Redis consumer finishes before it stops.
  static let slowStop: Duration = .seconds(2)
}

/// nil while the service runs; the watching task once it is asked to stop; a finished task once
/// it has stopped, so a late request to stop starts no watch.
private final class StopWatch: Sendable {
  let task = Mutex<Task<Void, Never>?>(nil)
}
