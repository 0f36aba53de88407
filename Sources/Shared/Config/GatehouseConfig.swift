import Foundation
import Logging

/// Where the process runs. `local` seeds demo data and migrates on start.
public enum DeploymentEnvironment: String, Sendable {
  case local, test, production
}

/// Settings every executable shares; the README has the table.
public struct GatehouseConfig: Sendable {
  public var environment: DeploymentEnvironment
  public var instanceID: String
  public var database: DatabaseEndpoint
  public var ownerUser: String
  public var ownerPassword: String?
  /// Where migrations connect, when not where the app does (`GATEHOUSE_PG_MIGRATION_HOST`/`_PORT`).
  public var migrationHost: String?
  public var migrationPort: Int?
  public var redis: RedisEndpoint
  public var redisConnections: Int
  public var autoMigrate: Bool
  public var rpcConcurrency: Int
  public var rpcTimeout: Duration
  public var jobConcurrency: Int
  public var jobClaimIdle: Duration
  public var logLevel: Logger.Level
  public var logFormat: LogFormat
  public var shutdownGrace: Duration
  /// Threads of the process's NIO event-loop group (sockets: HTTP, Redis, PostgreSQL); nil
  /// leaves NIO's default.
  public var eventLoops: Int?
  public var metricsPort: Int
  /// The gateway's listener, and the address a backend's metrics listener binds.
  public var httpHost: String
  public var httpPort: Int
  /// The `iss` of every token and the base of the discovery document's URLs.
  public var issuer: String

  public init(settings: Settings) throws(ConfigurationError) {
    environment = try settings.choice("GATEHOUSE_ENV", default: .production)
    instanceID = settings.string("GATEHOUSE_INSTANCE_ID") ?? Self.defaultInstanceID()
    guard instanceID.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
      throw ConfigurationError(name: "GATEHOUSE_INSTANCE_ID", problem: "use letters, digits, '-', '_' and '.' only")
    }
    database = DatabaseEndpoint(
      host: settings.string("GATEHOUSE_PG_HOST", default: "127.0.0.1"),
      port: try settings.int("GATEHOUSE_PG_PORT", default: 5433, range: 1...65535),
      database: settings.string("GATEHOUSE_PG_DATABASE", default: "gatehouse"),
      username: settings.string("GATEHOUSE_PG_USER", default: "gatehouse_app"),
      password: try settings.secret("GATEHOUSE_PG_PASSWORD"),
      poolSize: try settings.int("GATEHOUSE_PG_POOL_SIZE", default: 10, range: 1...500),
      idleTimeout: .milliseconds(
        try settings.int(
          "GATEHOUSE_PG_IDLE_TIMEOUT_MS", default: Int(DatabaseEndpoint.defaultIdleTimeout.milliseconds), range: 100...3_600_000)))
    database.tls = try DatabaseTLS.load(settings)
    database.statementTimeout = try settings.int("GATEHOUSE_PG_STATEMENT_TIMEOUT_MS", range: 100...3_600_000).map { .milliseconds($0) }
    database.lockTimeout = try settings.int("GATEHOUSE_PG_LOCK_TIMEOUT_MS", range: 100...3_600_000).map { .milliseconds($0) }
    migrationHost = settings.string("GATEHOUSE_PG_MIGRATION_HOST")
    migrationPort = try settings.int("GATEHOUSE_PG_MIGRATION_PORT", range: 1...65535)
    ownerUser = settings.string("GATEHOUSE_PG_OWNER_USER", default: "gatehouse_owner")
    ownerPassword = try settings.secret("GATEHOUSE_PG_OWNER_PASSWORD")
    redis = RedisEndpoint(
      host: settings.string("GATEHOUSE_REDIS_HOST", default: "127.0.0.1"),
      port: try settings.int("GATEHOUSE_REDIS_PORT", default: 6380, range: 1...65535),
      password: try settings.secret("GATEHOUSE_REDIS_PASSWORD"))
    redisConnections = try settings.int("GATEHOUSE_REDIS_CONNECTIONS", default: 2, range: 1...64)
    autoMigrate = try settings.bool("GATEHOUSE_AUTO_MIGRATE", default: environment == .local)
    rpcConcurrency = try settings.int("GATEHOUSE_RPC_CONCURRENCY", default: 64, range: 1...10_000)
    rpcTimeout = .milliseconds(try settings.int("GATEHOUSE_RPC_TIMEOUT_MS", default: 5000, range: 10...600_000))
    jobConcurrency = try settings.int("GATEHOUSE_JOB_CONCURRENCY", default: 8, range: 1...1000)
    jobClaimIdle = .milliseconds(try settings.int("GATEHOUSE_JOB_CLAIM_IDLE_MS", default: 30_000, range: 100...86_400_000))
    let level = settings.string("GATEHOUSE_LOG_LEVEL", default: "info").lowercased()
    guard let parsedLevel = Logger.Level(rawValue: level) else {
      throw ConfigurationError(
        name: "GATEHOUSE_LOG_LEVEL", problem: "expected trace, debug, info, notice, warning, error or critical, got '\(level)'")
    }
    logLevel = parsedLevel
    logFormat = try settings.choice("GATEHOUSE_LOG_FORMAT", default: .json)
    shutdownGrace = .milliseconds(try settings.int("GATEHOUSE_SHUTDOWN_GRACE_MS", default: 8000, range: 0...600_000))
    // Unset: NIO's default, a loop per core. One loop per process was measured too (on two
    // cores shared by everything): no better for the IdP benchmark, worse for refresh
    // rotation (docs/plumbing.md).
    eventLoops = try settings.int("GATEHOUSE_EVENT_LOOPS", range: 1...256)
    metricsPort = try settings.int("GATEHOUSE_METRICS_PORT", default: 0, range: 0...65535)
    httpHost = settings.string("GATEHOUSE_HTTP_HOST", default: "127.0.0.1")
    httpPort = try settings.int("GATEHOUSE_HTTP_PORT", default: 8080, range: 1...65535)
    issuer = settings.string("GATEHOUSE_ISSUER", default: "http://\(httpHost):\(httpPort)")
    guard let url = URL(string: issuer), ["http", "https"].contains(url.scheme ?? ""), url.host != nil,
      url.query == nil, url.fragment == nil, !issuer.hasSuffix("/")
    else {
      throw ConfigurationError(name: "GATEHOUSE_ISSUER", problem: "must be an http(s) URL without query, fragment or trailing slash")
    }
  }

  /// The owner role's view of the same database, for migrations.
  /// The owner role's endpoint, for migrations: the direct host when a pooler (PgBouncer in
  /// transaction mode) stands in front of the app's, since migrations hold a session's advisory lock.
  public var ownerDatabase: DatabaseEndpoint {
    var endpoint = database
    endpoint.username = ownerUser
    endpoint.password = ownerPassword
    endpoint.poolSize = 2
    endpoint.host = migrationHost ?? database.host
    endpoint.port = migrationPort ?? database.port
    return endpoint
  }

  static func defaultInstanceID() -> String {
    let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "host"
    let safeHost = String(host.filter { $0.isLetter || $0.isNumber || $0 == "-" }.prefix(32))
    return "\(safeHost.isEmpty ? "host" : safeHost)-\(ProcessInfo.processInfo.processIdentifier)-\(TraceParent.randomHex(bytes: 3))"
  }
}
