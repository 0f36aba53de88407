import Foundation
import PostgresNIO
import Shared

extension TransactionStore {
  /// A page of an SP's transactions, newest first, with the person's phone number masked. The
  /// cursor is the last row's creation time in microseconds and its id (as the history's).
  func list(spID: UUID, status: VerificationStatusName?, from: Date?, to: Date?, limit: Int, cursor: String?) async throws
    -> TransactionList
  {
    let after = try Self.cursor(cursor)
    let rows = try await postgres.query(
      """
      SELECT t.id, t.status, t.purpose, p.phone_number, t.failure_reason, t.created_at, t.completed_at,
             (EXTRACT(EPOCH FROM t.created_at) * 1000000)::int8
      FROM idp.transactions t LEFT JOIN idp.identity_profiles p ON p.user_id = t.user_id
      WHERE t.sp_id = \(spID)
        AND (\(status?.rawValue)::text IS NULL OR t.status = \(status?.rawValue))
        AND (\(from)::timestamptz IS NULL OR t.created_at >= \(from))
        AND (\(to)::timestamptz IS NULL OR t.created_at < \(to))
        AND (\(after == nil) OR ((EXTRACT(EPOCH FROM t.created_at) * 1000000)::int8, t.id)
            < (\(after?.micros ?? 0), \(after?.id ?? SecureRandom.uuid())))
      ORDER BY t.created_at DESC, t.id DESC LIMIT \(limit + 1)
      """, logger: logger)
    var items: [(TransactionView, String)] = []
    for try await (id, status, purpose, phone, reason, created, completed, micros) in rows.decode(
      (UUID, String, String, String?, String?, Date, Date?, Int64).self)
    {
      let view = TransactionView(
        transactionID: id.uuidString.lowercased(), status: VerificationStatusName(rawValue: status) ?? .pending, purpose: purpose,
        maskedPhoneNumber: phone.map(TransactionView.mask), failureReason: reason, createdAt: created, completedAt: completed)
      items.append((view, "\(micros)_\(id.uuidString.lowercased())"))
    }
    let page = Array(items.prefix(limit))
    return TransactionList(transactions: page.map(\.0), nextCursor: items.count > limit ? page.last?.1 : nil)
  }

  /// A cursor this store gave out: microseconds and id.
  static func cursor(_ text: String?) throws(Problem) -> (micros: Int64, id: UUID)? {
    guard let text else { return nil }
    let parts = text.split(separator: "_")
    guard parts.count == 2, let micros = Int64(parts[0]), let id = UUID(uuidString: String(parts[1])) else {
      throw RequestProblems.invalidField.problem("cursor is not one this API gave out.", field: "cursor")
    }
    return (micros, id)
  }
}
