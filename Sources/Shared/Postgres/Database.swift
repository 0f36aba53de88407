import Logging
import PostgresNIO

/// Where PostgreSQL is and which role to use. Services connect as the app role; `migrate` as the
/// owner role (docs/plumbing.md).
public struct DatabaseEndpoint: Sendable {
  public var host: String
  public var port: Int
  public var database: String
  public var username: String
  public var password: String?
  public var poolSize: Int
  /// How long a server's connection may sit idle before the pool closes it
  /// (`GATEHOUSE_PG_IDLE_TIMEOUT_MS`; docs/plumbing.md, "The PostgreSQL pool").
  public var idleTimeout: Duration
  /// `GATEHOUSE_PG_TLS` and `GATEHOUSE_PG_CA_FILE`.
  public var tls: DatabaseTLS = .disable
  /// A server's statements and lock waits end with an error past these
  /// (`GATEHOUSE_PG_STATEMENT_TIMEOUT_MS`, `GATEHOUSE_PG_LOCK_TIMEOUT_MS`): a hung query cannot
  /// hold a pooled connection for ever. Commands (migrations) run without them.
  public var statementTimeout: Duration?
  public var lockTimeout: Duration?

  public init(
    host: String, port: Int, database: String, username: String, password: String?, poolSize: Int = 10,
    idleTimeout: Duration = DatabaseEndpoint.defaultIdleTimeout
  ) {
    self.host = host
    self.port = port
    self.database = database
    self.username = username
    self.password = password
    self.poolSize = poolSize
    self.idleTimeout = idleTimeout
  }

  public static let defaultIdleTimeout: Duration = .seconds(2)

  /// A pool for this endpoint: up to `poolSize` connections, opened as queries need them.
  ///
  /// A server (`serving`) closes a connection after `idleTimeout` unused and never pings it; a
  /// command that runs once keeps them a minute. No pool keeps a minimum of connections open:
  /// postgres-nio 1.33's pool traps (`minimumConcurrentConnections <= stats.active`) when a
  /// query asks for a connection while the server is unreachable and the pool has dropped below
  /// its minimum, which a PostgreSQL restart under load reached within seconds (docs/plumbing.md; the
  /// test `DatabaseRestartTests`). The idle time is short because postgres-nio starts an idle
  /// timer each time a query gives its connection back and cancels it when the next one takes
  /// it, and on Linux a cancelled sleep holds about 1 KB until its deadline: a 60 s timeout at
  /// idp-service's 2,000 queries a second under load held ~100 MB, a 2 s one holds ~4 MB.
  /// Keep-alive pings would start a second such timer per query; a connection the server closes
  /// is noticed when it closes, and the next query opens another.
  public func makeClient(logger: Logger, serving: Bool = false) -> PostgresClient {
    var configuration = PostgresClient.Configuration(
      host: host, port: port, username: username, password: password, database: database, tls: tls.clientTLS())
    configuration.options.maximumConnections = poolSize
    configuration.options.minimumConnections = 0
    configuration.options.connectTimeout = .seconds(5)
    if serving {
      configuration.options.connectionIdleTimeout = idleTimeout
      configuration.options.keepAliveBehavior = nil
      configuration.options.additionalStartupParameters =
        [("statement_timeout", statementTimeout), ("lock_timeout", lockTimeout)].compactMap { name, limit in
          limit.map { (name, String($0.milliseconds)) }
        }
    } else {
      configuration.options.connectionIdleTimeout = .seconds(60)
    }
    return PostgresClient(configuration: configuration, backgroundLogger: logger)
  }
}

extension PostgresClient {
  /// Round-trip time of `SELECT 1`, for readiness.
  public func ping(logger: Logger) async throws -> Duration {
    let start = ContinuousClock.now
    _ = try await query("SELECT 1", logger: logger).collect()
    return ContinuousClock.now - start
  }
}

/// A schema-qualified SQL identifier checked against a strict pattern, for the few places where
/// a name (never a value) must be spliced into SQL text.
public struct SQLIdentifier: Sendable, CustomStringConvertible {
  public let description: String

  public init(_ name: String) throws {
    let part = #"[a-z_][a-z0-9_]{0,62}"#
    guard name.wholeMatch(of: try Regex("\(part)(\\.\(part))?")) != nil else {
      throw PlatformProblems.invalidIdentifier.problem("'\(name)' is not a valid SQL identifier")
    }
    self.description = name
  }
}

extension PostgresClient {
  /// `withTransaction`, but an error thrown by `body` (a `Problem`, a constraint violation)
  /// comes out as itself once the transaction has rolled back, so callers can match on it.
  public func transaction<Result>(
    logger: Logger,
    file: String = #file,
    line: Int = #line,
    isolation: isolated (any Actor)? = #isolation,
    _ body: (PostgresConnection) async throws -> sending Result
  ) async throws -> sending Result {
    do {
      return try await withTransaction(logger: logger, file: file, line: line, isolation: isolation, body)
    } catch let error as PostgresTransactionError {
      if let closureError = error.closureError, error.rollbackError == nil { throw closureError }
      throw error
    }
  }
}
