import Dispatch
import Foundation
import ServiceLifecycle
import Synchronization

/// SIGTERM or SIGINT while a process is still starting (reading settings, migrating, connecting)
/// ends it with status 0 at once: nothing has started that needs a graceful stop, and a migration
/// in flight rolls back. Without this the default action killed a process stopped during
/// start-up (status 15). Once the service group has trapped the signals itself (it does so
/// before it starts any service, so `SignalsTaken`, its first service, marks that moment), these
/// handlers stand aside and the group shuts down gracefully.
public enum StartupSignals {
  private static let groupHasThem = Atomic<Bool>(false)
  private static let installed = Mutex<[any DispatchSourceSignal]>([])

  public static func install() {
    installed.withLock { sources in
      guard sources.isEmpty else { return }
      for number in [SIGTERM, SIGINT] {
        signal(number, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
        source.setEventHandler {
          if !groupHasThem.load(ordering: .acquiring) { exit(0) }
        }
        source.resume()
        sources.append(source)
      }
    }
  }

  /// The first service of a group: by the time it runs, the group traps the signals.
  struct SignalsTaken: Service {
    func run() async throws {
      groupHasThem.store(true, ordering: .releasing)
      try? await gracefulShutdown()
    }
  }
}
