import Foundation
import Logging
import PostgresNIO
import Shared

/// The audit rows that are a person's sign-ins (docs/accounts.md, "Sign-in history"), newest
/// first, by id: what `SignInHistoryRules` turns into events.
struct SignInHistoryStore: Sendable {
  let postgres: Database
  let logger: Logger

  struct Row: Sendable {
    let id: Int64
    let at: Date
    let action: String
    let service: String?
    let ip: String?
    let userAgent: String?
    let details: [String: String]
  }

  func rows(userID: UUID, before: Int64?, limit: Int) async throws -> [Row] {
    let actions = SignInHistoryRules.actions
    let rows = try await postgres.query(
      """
      SELECT e.id, e.occurred_at, e.action, s.slug, host(e.ip), e.user_agent, e.details::text
      FROM audit.events e LEFT JOIN token.services s ON s.id = e.service_id
      WHERE e.actor_user_id = \(userID) AND e.action = ANY(\(actions))
        AND NOT (e.action = 'USER_LOGIN' AND e.details ? 'browser_session_id')
        AND (\(before)::int8 IS NULL OR e.id < \(before))
      ORDER BY e.id DESC LIMIT \(limit)
      """, logger: logger)
    var found: [Row] = []
    for try await (id, at, action, service, ip, agent, details) in rows.decode(
      (Int64, Date, String, String?, String?, String?, String).self)
    {
      let fields = (try? JSONSerialization.jsonObject(with: Data(details.utf8))) as? [String: Any] ?? [:]
      found.append(
        Row(
          id: id, at: at, action: action, service: service, ip: ip, userAgent: agent,
          details: fields.compactMapValues { $0 as? String }))
    }
    return found
  }
}
