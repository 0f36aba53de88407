import PostgresNIO
import Shared

/// The SQL that deletes what idp-service no longer needs (docs/retention.md): one batch
/// statement per kind of row, run by Shared's `CleanupRunner` in short transactions. Each picks
/// at most `limit` rows `FOR UPDATE SKIP LOCKED`, so a row in use is left for the next run.
struct RetentionStore: Sendable {
  let retention: IdPRetention

  func tasks() -> [CleanupTask] {
    [notifications(), deliveries(), transactions(), unknownNumberLookups(), unknownNumberBudgets(), phoneClaims()]
  }

  /// Decided transactions past the retention, with their notification and delivery (if their
  /// own cleanups have not taken them yet); never one whose callback is still pending.
  /// `created_at` (BRIN, migration 013) bounds the scans: a transaction decided that long ago
  /// began earlier, and its notification was written with it. The `permit` CTE tells the
  /// trigger that refuses other deletes (migrations 005, 013) that this one takes the rows
  /// referring to the transaction with it; it is evaluated before any row is picked.
  func transactions() -> CleanupTask {
    let seconds = CleanupTask.cutoff(retention.transactions)
    return CleanupTask(table: "idp.transactions", retention: retention.transactions) { limit in
      """
      WITH permit AS MATERIALIZED (
          SELECT set_config('gatehouse.retention_cleanup', 'on', true) AS permitted
      ), doomed AS (
          SELECT t.id, t.created_at FROM idp.transactions t
          WHERE (SELECT permitted FROM permit) = 'on'
            AND t.created_at < now() - make_interval(secs => \(seconds))
            AND t.status <> 'PENDING' AND t.completed_at < now() - make_interval(secs => \(seconds))
            AND NOT EXISTS (SELECT 1 FROM idp.callback_deliveries d WHERE d.transaction_id = t.id AND d.status = 'pending')
          LIMIT \(limit) FOR UPDATE OF t SKIP LOCKED
      ), notified AS (
          DELETE FROM idp.notifications
          WHERE created_at <= (SELECT max(created_at) FROM doomed) AND transaction_id IN (SELECT id FROM doomed)
      ), delivered AS (
          DELETE FROM idp.callback_deliveries WHERE transaction_id IN (SELECT id FROM doomed)
      ), gone AS (
          DELETE FROM idp.transactions WHERE id IN (SELECT id FROM doomed) RETURNING 1
      )
      SELECT count(*)::int FROM gone
      """
    }
  }

  /// Deliveries done with (delivered, or dead and past the time an admin would resend them).
  func deliveries() -> CleanupTask {
    .rows(
      of: "idp.callback_deliveries", key: "id", retention: retention.deliveries,
      where: "created_at < now() - make_interval(secs => $1) AND status IN ('delivered', 'dead')")
  }

  /// Notifications are written for the push and read by nothing after it.
  func notifications() -> CleanupTask {
    .rows(
      of: "idp.notifications", key: "id", retention: retention.notifications,
      where: """
        created_at < now() - make_interval(secs => $1)
          AND NOT EXISTS (SELECT 1 FROM idp.transactions t WHERE t.id = notifications.transaction_id AND t.status = 'PENDING')
        """)
  }

  /// An SP's unknown-number window that has ended counts nothing (`idp.open_request` starts a
  /// new one at the next miss), so its row can go; the same for the per-owner and deployment
  /// budgets (migration 009).
  func unknownNumberLookups() -> CleanupTask {
    .rows(of: "idp.unknown_number_lookups", key: "sp_id", retention: nil, where: "window_start < now() - interval '10 minutes'")
  }

  /// A phone claim a day old has expired (codes live an hour at most) and is past every code
  /// limit's window (a day at most, `PhoneCodeRules`); what happened to it is in the audit.
  func phoneClaims() -> CleanupTask {
    .rows(of: "idp.phone_claims", key: "id", retention: nil, where: "created_at < now() - interval '1 day'")
  }

  func unknownNumberBudgets() -> CleanupTask {
    .rows(of: "idp.unknown_number_budgets", key: "scope", retention: nil, where: "window_start < now() - interval '10 minutes'")
  }
}
