import ArgumentParser
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle

/// What makes one backend executable (token-service, social-service, idp-service) itself: its
/// name, its schema's migrations, its RPC methods and its job workers. Everything else about
/// running it is the same for all three and lives here.
public struct BackendDefinition: Sendable {
  public let service: ServiceName
  public let schema: String
  public let migrationsDirectory: URL?
  public let registerMethods: @Sendable (inout RPCRouter, BackendContext) throws -> Void
  public let makeWorkers: @Sendable (BackendContext) throws -> [any Service]
  /// The rows this backend deletes once they stopped mattering (`Jobs/Cleanup/`); its outbox's
  /// done rows are added to them. Worker instances run them on a schedule; `cleanup` runs them once.
  public let cleanupTasks: @Sendable (BackendContext) throws -> [CleanupTask]
  /// Work every instance does once its stores are up (creating the first signing keys, say).
  /// Retried with back-off until it succeeds; it must be safe to run on many instances at once.
  public let onStart: @Sendable (BackendContext) async throws -> Void

  public init(
    service: ServiceName,
    schema: String,
    migrationsDirectory: URL?,
    registerMethods: @escaping @Sendable (inout RPCRouter, BackendContext) throws -> Void = { _, _ in },
    makeWorkers: @escaping @Sendable (BackendContext) throws -> [any Service] = { _ in [] },
    cleanupTasks: @escaping @Sendable (BackendContext) throws -> [CleanupTask] = { _ in [] },
    onStart: @escaping @Sendable (BackendContext) async throws -> Void = { _ in }
  ) {
    self.service = service
    self.schema = schema
    self.migrationsDirectory = migrationsDirectory
    self.registerMethods = registerMethods
    self.makeWorkers = makeWorkers
    self.cleanupTasks = cleanupTasks
    self.onStart = onStart
  }

  /// Audit migrations first (every service writes audit rows), then the service's own schema.
  func migrationTargets() throws -> [SchemaMigrations] {
    var targets = [try SchemaMigrations.audit()]
    let own = try migrationsDirectory.map(Migration.load(from:)) ?? []
    targets.append(SchemaMigrations(schema: schema, migrations: [Outbox.migration(schema: schema)] + own))
    return targets
  }
}

/// What a backend's handlers and workers are given.
public struct BackendContext: Sendable {
  public let config: GatehouseConfig
  public let keyRing: MasterKeyRing
  public let postgres: Database
  public let redis: RedisClient
  public let rpc: RPCClient
  public let events: EventBus
  public let logger: Logger

  /// Clients for this process's stores; they work once `postgres.run()` and `redis.run()` run.
  /// A server closes idle PostgreSQL connections sooner than an admin command (`makeClient`).
  init(service: ServiceName, config: GatehouseConfig, logger: Logger, serving: Bool) throws {
    self.config = config
    self.keyRing = try readSetting(service: service) { () throws(ConfigurationError) in
      try MasterKeyRing.load(.fromEnvironment(), environment: config.environment)
    }
    self.postgres = Database(endpoint: config.database, serving: serving, logger: logger)
    self.redis = RedisClient(endpoint: config.redis, sharedConnections: config.redisConnections, logger: logger)
    self.rpc = RPCClient(redis: redis, instanceID: config.instanceID, defaultTimeout: config.rpcTimeout, logger: logger)
    self.events = EventBus(redis: redis, logger: logger)
    self.logger = logger
  }
}

/// Runs one admin task (`token-service keys rotate`, say) with this backend's stores connected,
/// then disconnects. For a command's last step only: the process exits at most 3 s after the task
/// ends (status 0, or 1 after an error) even if disconnecting hangs.
public func withBackendContext<T: Sendable>(_ service: ServiceName, _ body: @Sendable (BackendContext) async throws -> T) async throws -> T
{
  let config = try loadConfiguration(service: service)
  let context = try BackendContext(service: service, config: config, logger: Logger(label: "gatehouse.\(service).admin"), serving: false)
  return try await withThrowingTaskGroup(of: Void.self) { group in
    group.addTask { await context.postgres.run() }
    group.addTask { try await context.redis.run() }
    defer { group.cancelAll() }
    do {
      let result = try await body(context)
      exitSoonAfterStopping(status: 0)
      return result
    } catch {
      exitSoonAfterStopping(status: 1)
      throw error
    }
  }
}

/// Names the `BackendDefinition` of an executable for the shared commands.
public protocol BackendDescriptor: Sendable {
  static var definition: BackendDefinition { get }
}

extension CommandConfiguration {
  /// A backend executable's root command: `serve` (the default), `migrate` and `cleanup`, plus its own
  /// admin commands.
  public static func backend<Backend: BackendDescriptor>(
    _ backend: Backend.Type, name: String, abstract: String, adminCommands: [any ParsableCommand.Type] = []
  ) -> CommandConfiguration {
    CommandConfiguration(
      commandName: name,
      abstract: abstract,
      subcommands: [ServeCommand<Backend>.self, MigrateCommand<Backend>.self, CleanupCommand<Backend>.self] + adminCommands,
      defaultSubcommand: ServeCommand<Backend>.self)
  }
}

/// `serve`: RPC consumers, job workers and the metrics listener, until SIGTERM or SIGINT.
public struct ServeCommand<Backend: BackendDescriptor>: AsyncParsableCommand {
  public static var configuration: CommandConfiguration {
    CommandConfiguration(commandName: "serve", abstract: "Serve RPC requests and run job workers.")
  }

  @Flag(help: "Serve RPC requests only; run no job workers.")
  var noWorkers = false

  @Flag(help: "Run job workers only; serve no RPC requests.")
  var workersOnly = false

  @Option(help: "Port of the internal /metrics and /healthz listener (0: off). Overrides GATEHOUSE_METRICS_PORT.")
  var metricsPort: Int?

  public init() {}

  public func validate() throws {
    if noWorkers && workersOnly { throw ValidationError("--no-workers and --workers-only exclude each other") }
  }

  public func run() async throws {
    let definition = Backend.definition
    let config = try loadConfiguration(service: definition.service)
    let logger = Logger(label: "gatehouse.\(definition.service)")
    if config.autoMigrate {
      try await runMigrations(definition, config: config, logger: logger)
    }
    let context = try BackendContext(service: definition.service, config: config, logger: logger, serving: true)
    var services: [any Service] = [context.redis, context.postgres, StartupWork(context: context, work: definition.onStart)]
    let port = metricsPort ?? config.metricsPort
    if port > 0 {
      services.append(InternalHTTPListener.make(host: config.httpHost, port: port, logger: logger))
    }
    if !workersOnly {
      var router = RPCRouter(service: definition.service)
      router.register(.ping(definition.service)) { request, _ in
        try await ping(request, service: definition.service, context: context)
      }
      try definition.registerMethods(&router, context)
      var options = RPCServer.Options()
      options.concurrency = config.rpcConcurrency
      services.append(RPCServer(router: router, redis: context.redis, instanceID: config.instanceID, options: options, logger: logger))
    }
    if !noWorkers {
      services.append(contentsOf: try definition.makeWorkers(context))
      if let cleanup = try definition.cleanupSchedule(context) { services.append(cleanup) }
    }
    await context.rpc.startOrRetryLater()
    logger.info("serving", metadata: ["rpc": "\(!workersOnly)", "workers": "\(!noWorkers)", "metrics_port": "\(port)"])
    try await runServiceGroup(services, config: config, logger: logger)
  }
}

/// `migrate`: applies pending migrations as the owner role and exits.
public struct MigrateCommand<Backend: BackendDescriptor>: AsyncParsableCommand {
  public static var configuration: CommandConfiguration {
    CommandConfiguration(commandName: "migrate", abstract: "Apply this service's database migrations and exit.")
  }

  public init() {}

  public func run() async throws {
    let definition = Backend.definition
    let config = try loadConfiguration(service: definition.service)
    try await runMigrations(definition, config: config, logger: Logger(label: "gatehouse.\(definition.service).migrate"))
  }
}

func runMigrations(_ definition: BackendDefinition, config: GatehouseConfig, logger: Logger) async throws {
  let owner = config.ownerDatabase.makeClient(logger: logger)
  try await withThrowingTaskGroup(of: Void.self) { group in
    group.addTask { await owner.run() }
    defer { group.cancelAll() }
    let runner = MigrationRunner(client: owner, appRole: config.database.username, logger: logger)
    let applied = try await runner.migrate(try definition.migrationTargets())
    logger.info("migrations up to date", metadata: ["applied": "\(applied)"])
  }
}

func ping(_ request: PingRequest, service: ServiceName, context: BackendContext) async throws -> PingResponse {
  if let delay = request.delayMs, context.config.environment != .production {
    context.logger.info("ping held for a test", metadata: ["delay_ms": "\(delay)"])
    try await Task.sleep(for: .milliseconds(min(max(delay, 0), 30_000)))
  }
  if request.skipPostgres == true {
    return PingResponse(service: service.rawValue, instance: context.config.instanceID, postgresMs: nil, postgresError: nil)
  }
  do {
    let latency = try await context.postgres.ping(logger: context.logger)
    return PingResponse(
      service: service.rawValue, instance: context.config.instanceID,
      postgresMs: latency.fractionalMilliseconds,
      postgresError: nil)
  } catch {
    return PingResponse(
      service: service.rawValue, instance: context.config.instanceID, postgresMs: nil,
      postgresError: "PostgreSQL is unreachable")
  }
}
