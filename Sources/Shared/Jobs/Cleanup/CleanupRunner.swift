import Foundation
import Logging
import Metrics
import PostgresNIO
import ServiceLifecycle

/// Works cleanup tasks, one table after the other, each in batches of short transactions.
///
/// **One instance per table at a time.** Before a table, the runner takes the session advisory
/// lock `(hashtext('gatehouse.cleanup'), hashtext(<table>))` with `pg_try_advisory_lock`; an
/// instance that does not get it skips the table this time instead of waiting. The lock lives
/// where the rows live: PostgreSQL releases it when its connection ends, so a worker killed mid-run
/// frees the table at once, with no lease time to guess and nothing a Redis flush could forget.
///
/// **Its own connection.** The lock and the batches share one connection opened for the run,
/// outside the pool: a session lock needs its session for the whole run, a long run must not hold
/// a pooled connection that requests need, and the pool's supervisor would take a connection busy
/// for seconds with nothing else finishing for a stalled pool. For the same reason a cleanup
/// cannot go through a transaction-pooling proxy (PgBouncer in transaction mode): it needs a
/// session. `statement_timeout` (30 s) and `lock_timeout` (2 s) bound what one batch can hold up.
///
/// **Batches.** Each batch is a transaction of its own: the task's DELETE (at most `batchSize`
/// rows, picked `FOR UPDATE SKIP LOCKED`) and, when it deleted anything, one `RETENTION_PURGED`
/// audit row saying what and how many (never one row per deleted row: the rows are gone because
/// of a rule, not a person, and a row each would double what the cleanup writes). A short
/// pause between batches leaves PostgreSQL to the requests.
public struct CleanupRunner: Sendable {
  /// What one task came to in one run.
  public struct Outcome: Sendable {
    public let table: String
    public let deleted: Int
    public let elapsed: Duration
    /// Another instance held the table's lock: nothing was done here.
    public let skipped: Bool
    public let error: String?
  }

  let endpoint: DatabaseEndpoint
  let tasks: [CleanupTask]
  let batchSize: Int
  let instance: String
  let logger: Logger
  static let pauseBetweenBatches: Duration = .milliseconds(10)

  public init(endpoint: DatabaseEndpoint, tasks: [CleanupTask], batchSize: Int, instance: String, logger: Logger) {
    self.endpoint = endpoint
    self.tasks = tasks
    self.batchSize = batchSize
    self.instance = instance
    self.logger = logger
  }

  /// Works every task once; throws only when the run's connection cannot be opened.
  public func runOnce() async throws -> [Outcome] {
    let configuration = PostgresConnection.Configuration(
      host: endpoint.host, port: endpoint.port, username: endpoint.username, password: endpoint.password,
      database: endpoint.database, tls: .disable)
    let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
    var outcomes: [Outcome] = []
    do {
      _ = try await connection.query("SET statement_timeout = '30s'", logger: logger).collect()
      _ = try await connection.query("SET lock_timeout = '2s'", logger: logger).collect()
      let run = SecureRandom.uuid().uuidString.lowercased()
      for task in tasks where !Task.isCancelled && !Task.isShuttingDownGracefully {
        outcomes.append(await work(task, run: run, on: connection))
      }
    } catch {
      try? await connection.close()
      throw error
    }
    try? await connection.close()
    return outcomes
  }

  private func work(_ task: CleanupTask, run: String, on connection: PostgresConnection) async -> Outcome {
    let start = ContinuousClock.now
    var deleted = 0
    func outcome(skipped: Bool = false, error: (any Error)? = nil) -> Outcome {
      Outcome(
        table: task.table, deleted: deleted, elapsed: ContinuousClock.now - start, skipped: skipped,
        error: error.map { "\(StatementRefused.loggable($0))" })
    }
    do {
      guard try await lock(task.table, on: connection) else { return outcome(skipped: true) }
      do {
        while true {
          let rows = try await batch(task, run: run, on: connection)
          deleted += rows
          if rows > 0 { Counter(label: "gatehouse_cleanup_rows_total", dimensions: [("table", task.table)]).increment(by: rows) }
          if rows < batchSize || Task.isCancelled || Task.isShuttingDownGracefully { break }
          try? await Task.sleep(for: Self.pauseBetweenBatches)
        }
      } catch {
        _ = try? await unlock(task.table, on: connection)
        return outcome(error: error)
      }
      try await unlock(task.table, on: connection)
      return outcome()
    } catch {
      return outcome(error: error)
    }
  }

  private func batch(_ task: CleanupTask, run: String, on connection: PostgresConnection) async throws -> Int {
    _ = try await connection.query("BEGIN", logger: logger).collect()
    do {
      var rows = 0
      for try await count in try await connection.query(task.deleteBatch(batchSize), logger: logger).decode(Int.self) { rows = count }
      if rows > 0 {
        try await AuditEvent(
          action: "RETENTION_PURGED",
          details: [
            "table": task.table, "rows": String(rows), "retention": task.retention.map(Settings.describe) ?? "rule",
            "run": run, "instance": instance,
          ]
        ).insert(on: connection, logger: logger)
      }
      _ = try await connection.query("COMMIT", logger: logger).collect()
      return rows
    } catch {
      _ = try? await connection.query("ROLLBACK", logger: logger).collect()
      throw error
    }
  }

  private func lock(_ table: String, on connection: PostgresConnection) async throws -> Bool {
    let rows = try await connection.query(
      "SELECT pg_try_advisory_lock(hashtext('gatehouse.cleanup'), hashtext(\(table)))", logger: logger)
    for try await locked in rows.decode(Bool.self) { return locked }
    return false
  }

  private func unlock(_ table: String, on connection: PostgresConnection) async throws {
    _ = try await connection.query(
      "SELECT pg_advisory_unlock(hashtext('gatehouse.cleanup'), hashtext(\(table)))", logger: logger
    ).collect()
  }
}
