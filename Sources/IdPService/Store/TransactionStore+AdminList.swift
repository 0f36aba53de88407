import Foundation
import PostgresNIO
import Shared

extension TransactionStore {
  /// Whose transactions: one provider's, the providers one admin owns, or every provider's.
  enum Providers {
    case one(UUID)
    case ownedBy(UUID)
    case all
  }

  /// A page of transactions, newest first, with the person's phone number masked. The cursor is
  /// the last row's creation time in microseconds and its id (as the history's). Across
  /// providers, each provider's newest come from its own index (`sp_id, created_at`) and are
  /// merged: a page costs at most a page per provider, and no index on time alone is kept.
  func list(
    _ providers: Providers, status: VerificationStatusName?, from: Date?, to: Date?, limit: Int, cursor: String?
  ) async throws -> TransactionList {
    var one: UUID?
    var owner: UUID?
    switch providers {
    case .one(let id): one = id
    case .ownedBy(let id): owner = id
    case .all: break
    }
    let after = try Self.cursor(cursor)
    let rows = try await postgres.query(
      """
      SELECT t.id, t.status, t.purpose, p.phone_number, t.failure_reason, t.created_at, t.completed_at,
             (EXTRACT(EPOCH FROM t.created_at) * 1000000)::int8, sp.client_id, sp.name
      FROM idp.service_providers sp
      CROSS JOIN LATERAL (
        SELECT t.* FROM idp.transactions t
        WHERE t.sp_id = sp.id
          AND (\(status?.rawValue)::text IS NULL OR t.status = \(status?.rawValue))
          AND (\(from)::timestamptz IS NULL OR t.created_at >= \(from))
          AND (\(to)::timestamptz IS NULL OR t.created_at < \(to))
          AND (\(after == nil) OR ((EXTRACT(EPOCH FROM t.created_at) * 1000000)::int8, t.id)
              < (\(after?.micros ?? 0), \(after?.id ?? SecureRandom.uuid())))
        ORDER BY t.created_at DESC, t.id DESC LIMIT \(limit + 1)
      ) t
      LEFT JOIN idp.identity_profiles p ON p.user_id = t.user_id
      WHERE (\(one)::uuid IS NULL OR sp.id = \(one)) AND (\(owner)::uuid IS NULL OR sp.owner_user_id = \(owner))
      ORDER BY t.created_at DESC, t.id DESC LIMIT \(limit + 1)
      """, logger: logger)
    var items: [(TransactionView, String)] = []
    for try await (id, status, purpose, phone, reason, created, completed, micros, clientID, name) in rows.decode(
      (UUID, String, String, String?, String?, Date, Date?, Int64, String, String).self)
    {
      var view = TransactionView(
        transactionID: id.uuidString.lowercased(), status: VerificationStatusName(rawValue: status) ?? .pending, purpose: purpose,
        maskedPhoneNumber: phone.map(TransactionView.mask), failureReason: reason, createdAt: created, completedAt: completed)
      view.serviceProvider = clientID
      view.serviceProviderName = name
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
