import Foundation
import PostgresNIO
import Shared

extension TransactionStore {
  /// A page of the person's requests, newest first. The cursor is the last row's creation
  /// time in microseconds and its id, so rows created in the same instant are neither skipped
  /// nor repeated.
  func history(userID: UUID, limit: Int, cursor: String?) async throws -> History {
    let after = try Self.cursor(cursor)
    let rows = try await postgres.query(
      """
      SELECT t.id, sp.name, t.purpose, t.status, t.created_at, t.completed_at,
             (EXTRACT(EPOCH FROM t.created_at) * 1000000)::int8
      FROM idp.transactions t JOIN idp.service_providers sp ON sp.id = t.sp_id
      WHERE t.user_id = \(userID)
        AND (\(after == nil) OR ((EXTRACT(EPOCH FROM t.created_at) * 1000000)::int8, t.id)
            < (\(after?.micros ?? 0), \(after?.id ?? SecureRandom.uuid())))
      ORDER BY t.created_at DESC, t.id DESC LIMIT \(limit + 1)
      """, logger: logger)
    var items: [(HistoryItem, String)] = []
    for try await (id, name, purpose, status, created, completed, micros) in rows.decode(
      (UUID, String, String, String, Date, Date?, Int64).self)
    {
      items.append(
        (
          HistoryItem(
            transactionID: id.uuidString.lowercased(), serviceProvider: name, purpose: purpose,
            status: VerificationStatusName(rawValue: status) ?? .pending, createdAt: created, completedAt: completed),
          "\(micros)_\(id.uuidString.lowercased())"
        ))
    }
    let page = Array(items.prefix(limit))
    return History(requests: page.map(\.0), nextCursor: items.count > limit ? page.last?.1 : nil)
  }

  /// Per UTC day, newest first, for the last `days` days.
  /// The SP's plan and the verification requests it opened this calendar month (UTC).
  func thisMonth(spID: UUID) async throws -> (ServicePlan, Int) {
    let rows = try await postgres.query(
      """
      SELECT sp.plan, (SELECT count(*)::int FROM idp.transactions t
                       WHERE t.sp_id = sp.id AND t.created_at >= date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')
      FROM idp.service_providers sp WHERE sp.id = \(spID)
      """, logger: logger)
    for try await (plan, requests) in rows.decode((String, Int).self) { return (ServicePlan(rawValue: plan) ?? .free, requests) }
    return (.free, 0)
  }

  func statistics(spID: UUID, days: Int) async throws -> [DailyStatistics] {
    let rows = try await postgres.query(
      """
      SELECT to_char(date_trunc('day', created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD'), count(*)::int,
             count(*) FILTER (WHERE status = 'COMPLETED')::int, count(*) FILTER (WHERE status = 'FAILED')::int,
             count(*) FILTER (WHERE status = 'EXPIRED')::int, count(*) FILTER (WHERE status = 'PENDING')::int,
             (avg(EXTRACT(EPOCH FROM completed_at - created_at)) FILTER (WHERE status IN ('COMPLETED', 'FAILED')))::float8
      FROM idp.transactions
      WHERE sp_id = \(spID)
          AND created_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - make_interval(days => \(days - 1)::int)
      GROUP BY 1 ORDER BY 1 DESC
      """, logger: logger)
    var result: [DailyStatistics] = []
    for try await (day, total, completed, failed, expired, pending, seconds) in rows.decode((String, Int, Int, Int, Int, Int, Double?).self)
    {
      let decided = completed + failed + expired
      result.append(
        DailyStatistics(
          date: day, total: total, completed: completed, failed: failed, expired: expired, pending: pending,
          successRate: decided == 0 ? nil : Double(completed) / Double(decided),
          averageSecondsToDecision: seconds))
    }
    return result
  }
}
