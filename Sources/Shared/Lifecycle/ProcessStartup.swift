import ArgumentParser
import Foundation
import Logging
import NIOCore
import ServiceLifecycle

/// Reads the configuration and installs logging and metrics. A bad setting ends the process with
/// exit status 78 (EX_CONFIG) and one line on standard error that names it.
public func loadConfiguration(service: ServiceName) throws -> GatehouseConfig {
  StartupSignals.install()
  let config = try readSetting(service: service) { () throws(ConfigurationError) in try GatehouseConfig(settings: .fromEnvironment()) }
  // Before anything touches the shared event-loop group, which is created on first use.
  if let loops = config.eventLoops { NIOSingletons.groupLoopCountSuggestion = loops }
  Telemetry.bootstrap(service: service.rawValue, config: config)
  return config
}

/// Runs `read`; a `ConfigurationError` becomes one line on standard error and exit status 78.
public func readSetting<T>(service: ServiceName, _ read: () throws(ConfigurationError) -> T) throws -> T {
  do {
    return try read()
  } catch {
    FileHandle.standardError.write(Data("\(service): \(error.description)\n".utf8))
    throw ExitCode(78)
  }
}

/// Runs `services` until SIGTERM or SIGINT, then shuts them down in reverse order, giving them
/// `shutdownGrace` to finish in-flight work before cancelling them.
public func runServiceGroup(_ services: [any Service], config: GatehouseConfig, logger: Logger) async throws {
  let watchdog = ShutdownWatchdog(limit: config.shutdownGrace + .seconds(3), logger: logger)
  var configuration = ServiceGroupConfiguration(
    // The group asks its services to stop from the last to the first, each once the ones after
    // it have stopped: the watchdog goes last so it hears of the shutdown first (second, it heard
    // only after the part that held the shutdown, which is never; CI saw that too).
    services: ([StartupSignals.SignalsTaken()] + services + [watchdog]).map {
      ServiceGroupConfiguration.ServiceConfiguration(service: NamedService(base: $0, logger: logger))
    },
    gracefulShutdownSignals: [.sigterm, .sigint],
    logger: logger)
  configuration.maximumGracefulShutdownDuration = config.shutdownGrace
  // Past the grace every part is cancelled. A part that does not end even then (a PostgreSQL
  // lease waiting through an outage ignores cancellation, docs/plumbing.md) made ServiceLifecycle
  // trap after its cancellation time (CI, 2026-12-07: idp-service's sweeper during the outage
  // test); the watchdog ends the process instead, at the same moment, saying which part held it.
  configuration.maximumCancellationDuration = nil
  try await ServiceGroup(configuration: configuration).run()
  logger.info("stopped")
  // Every service has stopped and nothing durable is left to do. What remains is the runtime's
  // own way out (tasks unwinding, atexit handlers), which a test once saw take more than 15 s.
  fflush(nil)
  _exit(0)
}

/// Ends the process `limit` after graceful shutdown began, if it is still running then: the
/// parts that still stop have said so ("still stopping", NamedService) and their work is
/// transactional, so nothing half-written is left.
struct ShutdownWatchdog: Service {
  let limit: Duration
  let logger: Logger

  func run() async throws {
    // Cancelled (the group ended another way): the process exits as that way decides.
    do { try await gracefulShutdown() } catch { return }
    let logger = self.logger
    exitProcess(after: limit) {
      logger.error("shutdown took longer than the grace and the cancellation time; exiting", metadata: ["limit": "\(limit)"])
    }
  }
}

/// Every service has stopped and nothing durable is left to do; what remains is the runtime's
/// own way out (tasks still unwinding, atexit handlers). A test once saw a gateway log "stopped"
/// and still be running 10 s later, and once an admin command that had printed its result still
/// running 20 s later, so the way out gets 3 s, then the process exits with `status`.
func exitSoonAfterStopping(status: Int32 = 0) {
  exitProcess(after: .seconds(3), status: status)
}

/// Ends the process with `status` once `delay` has passed, from a thread of its own, so that
/// no task that ignores cancellation can hold it; `saying` logs why first.
func exitProcess(after delay: Duration, status: Int32 = 0, saying: (@Sendable () -> Void)? = nil) {
  Thread {
    Thread.sleep(forTimeInterval: delay.fractionalMilliseconds / 1000)
    saying?()
    fflush(nil)
    _exit(status)
  }.start()
}

extension RPCClient {
  /// Subscribes the reply channel now if Redis is up; otherwise the subscriber does it when
  /// Redis comes back, so a process can start before Redis does.
  public func startOrRetryLater() async {
    do {
      try await start()
    } catch {
      Logger(label: "gatehouse.rpc").warning("reply channel not subscribed yet; will retry", metadata: ["error": "\(error)"])
    }
  }
}
