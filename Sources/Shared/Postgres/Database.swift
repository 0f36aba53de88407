import Logging
import PostgresNIO

/// Where PostgreSQL is and which role to use. Services connect as the app role; `migrate` as the
/// owner role (DESIGN.md section 2).
public struct DatabaseEndpoint: Sendable {
    public var host: String
    public var port: Int
    public var database: String
    public var username: String
    public var password: String?
    public var poolSize: Int

    public init(host: String, port: Int, database: String, username: String, password: String?, poolSize: Int = 10) {
        self.host = host
        self.port = port
        self.database = database
        self.username = username
        self.password = password
        self.poolSize = poolSize
    }

    /// A pool for this endpoint. A server process keeps all `poolSize` connections open
    /// (`keepingConnections`); a command that runs once opens them as it needs them.
    public func makeClient(logger: Logger, keepingConnections: Bool = false) -> PostgresClient {
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: .disable)
        configuration.options.maximumConnections = poolSize
        if keepingConnections {
            // Opened at start and kept, and never pinged while idle. With connections opened on
            // demand, the pool starts an idle timer and a keep-alive timer (sleeping tasks) each
            // time a query gives its connection back, and cancels them when the next query takes
            // it. On Linux a cancelled sleep still holds its task and timer until its deadline,
            // 30 and 60 s later: about 1 KB per query, which at idp-service's 2,000 queries a
            // second under the benchmark's load grew it by 1.5 MB a second, past the 64 MiB
            // budget within 15 s (docs/benchmarks.md, memory). A connection the server closes
            // is noticed when it closes, and the pool opens another to keep the count; what
            // keep-alive pings add beyond that, noticing a peer that vanished without closing,
            // does not arise on one machine.
            configuration.options.minimumConnections = poolSize
            configuration.options.keepAliveBehavior = nil
        } else {
            configuration.options.minimumConnections = 0
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
            throw Problem.badRequest("'\(name)' is not a valid SQL identifier", code: "invalid_identifier")
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
