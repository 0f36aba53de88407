import Configuration
import Foundation
import Logging
import PostgresNIO
import Shared

/// What `make test` set up: the test PostgreSQL and Redis, and where the built executables are.
enum TestEnvironment {
  static let env = ProcessInfo.processInfo.environment

  static let logger: Logger = {
    var logger = Logger(label: "test")
    logger.logLevel = .warning
    return logger
  }()

  static var binDirectory: URL {
    URL(fileURLWithPath: env["GATEHOUSE_BIN_DIR"] ?? ".build/debug")
  }

  static var runDirectory: URL {
    let url = URL(
      fileURLWithPath: env["GATEHOUSE_TEST_RUN_DIR"] ?? FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-test").path
    )
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  static var redis: RedisEndpoint {
    RedisEndpoint(host: "127.0.0.1", port: Int(env["GATEHOUSE_REDIS_PORT"] ?? "6381") ?? 6381)
  }

  static func database(owner: Bool = false, name: String? = nil) -> DatabaseEndpoint {
    DatabaseEndpoint(
      host: "127.0.0.1",
      port: Int(env["GATEHOUSE_PG_PORT"] ?? "5434") ?? 5434,
      database: name ?? env["GATEHOUSE_PG_DATABASE"] ?? "gatehouse",
      username: owner ? (env["GATEHOUSE_PG_OWNER_USER"] ?? "gatehouse_owner") : (env["GATEHOUSE_PG_USER"] ?? "gatehouse_app"),
      password: nil,
      poolSize: 4)
  }

  static var appRole: String { env["GATEHOUSE_PG_USER"] ?? "gatehouse_app" }

  static func uniqueName(_ prefix: String) -> String {
    "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
  }
}

/// Runs `body` with a started Redis client, stopping it afterwards.
func withRedis<T: Sendable>(
  _ endpoint: RedisEndpoint = TestEnvironment.redis, connections: Int = 2, _ body: (RedisClient) async throws -> T
) async throws -> T {
  let redis = RedisClient(endpoint: endpoint, sharedConnections: connections, logger: TestEnvironment.logger)
  let runner = Task { try await redis.run() }
  defer {
    runner.cancel()
    redis.subscriber.close()
    redis.close()
  }
  return try await body(redis)
}

/// Runs `body` with a running Postgres client.
func withPostgres<T: Sendable>(_ endpoint: DatabaseEndpoint, _ body: (PostgresClient) async throws -> T) async throws -> T {
  let client = endpoint.makeClient(logger: TestEnvironment.logger)
  return try await withThrowingTaskGroup(of: Void.self) { group in
    await group.addRunning { await client.run() }
    defer { group.cancelAll() }
    return try await body(client)
  }
}

/// The answers of `counts` (each a `SELECT count(*)::int …`), asked as the database owner of
/// `cluster`'s database: what a test checks the API said against.
func ownerCounts(_ cluster: Cluster, _ counts: [String]) async throws -> [Int] {
  try await withPostgres(TestEnvironment.database(owner: true, name: cluster.database)) { owner -> [Int] in
    var found: [Int] = []
    for sql in counts {
      for try await n in try await owner.query(PostgresQuery(unsafeSQL: sql)).decode(Int.self) { found.append(n) }
    }
    return found
  }
}

/// How long a test waits for a change to reach every gateway over pub/sub. The promise is 1 s
/// (it takes milliseconds on an idle machine); tests allow 5 s so that the whole suite running
/// in parallel on two cores cannot fail them, which still rules out the 30 s periodic reloads
/// that would otherwise hide a lost event.
let propagationLimit: Duration = .seconds(5)

/// Polls `condition` every 50 ms until it holds or `timeout` passes.
func eventually(timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async throws -> Bool {
  let end = ContinuousClock.now + timeout
  while ContinuousClock.now < end {
    if (try? await condition()) == true { return true }
    try await Task.sleep(for: .milliseconds(50))
  }
  return try await condition()
}

/// The SQLSTATE PostgreSQL refused `body` with ("42501"), or nil if `body` did not fail with a
/// server error: a refusal checked by its code, not by any error at all.
func sqlState(_ body: () async throws -> Void) async -> String? {
  do {
    try await body()
    return nil
  } catch {
    return (error as? PSQLError)?.serverInfo?[.sqlState]
  }
}

/// Runs `body` with a running `Database`, the type a server's stores use.
func withDatabase<T: Sendable>(_ endpoint: DatabaseEndpoint, _ body: (Database) async throws -> T) async throws -> T {
  let database = Database(endpoint: endpoint, serving: false, logger: TestEnvironment.logger)
  return try await withThrowingTaskGroup(of: Void.self) { group in
    await group.addRunning { await database.run() }
    defer { group.cancelAll() }
    return try await body(database)
  }
}

/// A JSON object from an answer's body; empty when it is not one.
func json(_ text: String) -> [String: Any] {
  (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:]
}

/// A database of a test's own, created by the owner role and dropped afterwards.
func withFreshDatabase<T: Sendable>(_ body: (String) async throws -> T) async throws -> T {
  let name = TestEnvironment.uniqueName("ghtest")
  try await withPostgres(TestEnvironment.database(owner: true, name: "postgres")) { admin in
    _ = try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: TestEnvironment.logger).collect()
  }
  do {
    let result = try await body(name)
    try? await dropDatabase(name)
    return result
  } catch {
    try? await dropDatabase(name)
    throw error
  }
}

private func dropDatabase(_ name: String) async throws {
  try await withPostgres(TestEnvironment.database(owner: true, name: "postgres")) { admin in
    _ = try await admin.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: TestEnvironment.logger)
      .collect()
  }
}

extension ThrowingTaskGroup where ChildTaskResult == Void {
  /// Adds a client's `run()` and returns once it has begun. A query leased before postgres-nio's
  /// `run()` starts still works but logs a warning, and hundreds of them buried CI's failures.
  mutating func addRunning(_ run: @escaping @Sendable () async -> Void) async {
    let (started, signal) = AsyncStream<Void>.makeStream()
    addTask {
      signal.finish()
      await run()
    }
    for await _ in started {}
    // `run()` flags itself running at once, but the task may not have reached it yet.
    try? await Task.sleep(for: .milliseconds(10))
  }
}
