// Jobs/Cleanup/: deleting rows that have stopped mattering (docs/retention.md). A service lists
// its tasks (the SQL is in its store); `CleanupRunner` works them in short batches, one instance
// per table at a time; `CleanupSchedule` runs it on every worker instance; `cleanup` runs it once.
import PostgresNIO

/// One kind of row that outlives its use, and the statement that deletes a batch of it.
///
/// The statement is a DELETE of at most `limit` rows, picked `FOR UPDATE SKIP LOCKED` (a row
/// someone is using now is left for the next run, never waited for), answering one row with
/// the number deleted (`WITH gone AS (DELETE ... RETURNING 1) SELECT count(*)::int FROM gone`).
/// It runs in a transaction of its own with the batch's audit row.
public struct CleanupTask: Sendable {
  /// What is deleted, as `schema.table`: the name of the lock, of the audit row's `table`, of the log's.
  public let table: String
  /// How long a row is kept once it stopped mattering, for the audit row; nil where the rule
  /// alone decides (a revocation past its own expiry, a rate-limit window that has ended).
  public let retention: Duration?
  public let deleteBatch: @Sendable (_ limit: Int) -> PostgresQuery

  public init(table: String, retention: Duration?, deleteBatch: @escaping @Sendable (_ limit: Int) -> PostgresQuery) {
    self.table = table
    self.retention = retention
    self.deleteBatch = deleteBatch
  }

  /// `now() - <retention>` bound as seconds, for the stores' statements.
  public static func cutoff(_ retention: Duration) -> Double {
    Double(retention.components.seconds)
  }
}

extension CleanupTask {
  /// The common shape: rows of `table` that match `condition`, picked and deleted by `key`
  /// (a column, or a parenthesised list of columns). In `condition`, `$1` is the retention in
  /// seconds (`now() - make_interval(secs => $1)`). `table`, `key` and `condition` are SQL
  /// text from the stores, never input.
  public static func rows(of table: String, key: String, retention: Duration?, where condition: String) -> CleanupTask {
    let seconds = retention.map(cutoff) ?? 0
    let columns = key.hasPrefix("(") ? String(key.dropFirst().dropLast()) : key
    return CleanupTask(table: table, retention: retention) { limit in
      var binds = PostgresBindings()
      binds.append(seconds)
      binds.append(limit)
      return PostgresQuery(
        unsafeSQL: """
          WITH gone AS (
              DELETE FROM \(table) WHERE \(key) IN (
                  SELECT \(columns) FROM \(table) WHERE \(condition) LIMIT $2 FOR UPDATE SKIP LOCKED)
              RETURNING 1)
          SELECT count(*)::int FROM gone
          """, binds: binds)
    }
  }
}
