import ArgumentParser
import Logging

/// `<service> cleanup`: one cleanup run now, with this backend's tasks and settings, printing
/// what each table came to. For operators (a first run after an outage, a backlog) and for tests.
/// Safe beside running workers: a table one of them is working is skipped.
public struct CleanupCommand<Backend: BackendDescriptor>: AsyncParsableCommand {
  public static var configuration: CommandConfiguration {
    CommandConfiguration(commandName: "cleanup", abstract: "Delete the rows past their retention once (docs/retention.md) and exit.")
  }

  public init() {}

  public func run() async throws {
    let definition = Backend.definition
    let outcomes = try await withBackendContext(definition.service) { context in
      try await definition.cleanupRunner(context).runOnce()
    }
    for outcome in outcomes { Output.line(outcome.summary) }
    if outcomes.contains(where: { $0.error != nil }) { throw ExitCode(1) }
  }
}

extension BackendDefinition {
  /// The runner over this backend's tasks and its outbox's.
  func cleanupRunner(_ context: BackendContext) throws -> CleanupRunner {
    let (settings, outboxRetention) = try readSetting(service: service) { () throws(ConfigurationError) in
      (try CleanupSettings.load(), try Settings.fromEnvironment().retention("OUTBOX", default: .seconds(7 * 86_400)))
    }
    let tasks = try cleanupTasks(context) + [try Outbox.cleanupTask(schema: schema, retention: outboxRetention)]
    return CleanupRunner(
      endpoint: context.config.database, tasks: tasks, batchSize: settings.batchSize,
      instance: context.config.instanceID, logger: context.logger)
  }

  /// The schedule a `serve` with workers runs, unless `GATEHOUSE_CLEANUP_INTERVAL` is 0.
  func cleanupSchedule(_ context: BackendContext) throws -> CleanupSchedule? {
    let settings = try readSetting(service: service) { () throws(ConfigurationError) in try CleanupSettings.load() }
    guard let interval = settings.interval else { return nil }
    return CleanupSchedule(runner: try cleanupRunner(context), interval: interval, logger: context.logger)
  }
}
