import Logging
import ServiceLifecycle

/// Runs a backend's `onStart` once its stores are reachable, retrying with back-off (up to 5 s
/// between tries) until it succeeds, then idles until shutdown: a service that returned would
/// end the whole group.
struct StartupWork: Service {
  let context: BackendContext
  let work: @Sendable (BackendContext) async throws -> Void

  func run() async throws {
    var failures = 0
    while !Task.isCancelled && !Task.isShuttingDownGracefully {
      do {
        try await work(context)
        // `make run` waits for this line before printing what the start-up work seeded.
        context.logger.info("start-up work done")
        break
      } catch {
        failures += 1
        context.logger.warning(
          "start-up work failed; retrying", metadata: ["error": "\(StatementRefused.loggable(error))", "attempt": "\(failures)"])
        await pause(for: .milliseconds(min(5000, 100 << min(failures, 6))))
      }
    }
    try? await gracefulShutdown()
  }
}
