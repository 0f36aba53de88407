import Foundation
import Logging
import PostgresNIO
import Shared

/// Reading `audit.events` for the audit API, newest first, by id.
struct AuditLogStore: Sendable {
  let postgres: Database
  let logger: Logger

  /// `ownedBy`: only events of services that user owns (a SERVICE_ADMIN's view).
  /// `ip`: an address or CIDR block, already checked (`AuditSearch.block`).
  func page(
    userID: UUID?, action: String?, serviceSlug: String?, ip: String?, from: Date?, to: Date?, ownedBy: UUID?,
    before: Int64?, limit: Int
  ) async throws -> AuditPage {
    let rows = try await postgres.query(
      """
      SELECT e.id, e.occurred_at, e.action, e.actor_user_id, e.service_id, e.sp_id, e.client_id, e.request_id, e.details::text,
             host(e.ip), e.user_agent
      FROM audit.events e LEFT JOIN token.services s ON s.id = e.service_id
      WHERE (\(userID)::uuid IS NULL OR e.actor_user_id = \(userID))
        AND (\(action)::text IS NULL OR e.action = \(action))
        AND (\(serviceSlug)::text IS NULL OR s.slug = \(serviceSlug))
        AND (\(from)::timestamptz IS NULL OR e.occurred_at >= \(from))
        AND (\(to)::timestamptz IS NULL OR e.occurred_at < \(to))
        AND (\(ownedBy)::uuid IS NULL OR s.owner_user_id = \(ownedBy))
        AND (\(ip)::inet IS NULL OR e.ip <<= \(ip)::inet)
        AND (\(before)::int8 IS NULL OR e.id < \(before))
      ORDER BY e.id DESC LIMIT \(limit + 1)
      """, logger: logger)
    var events: [AuditEventView] = []
    for try await (id, at, action, user, service, sp, client, request, details, ip, userAgent)
      in rows.decode((Int64, Date, String, UUID?, UUID?, UUID?, String?, String?, String, String?, String?).self)
    {
      let object = (try? JSONSerialization.jsonObject(with: Data(details.utf8))) as? [String: Any] ?? [:]
      events.append(
        AuditEventView(
          id: id, occurredAt: at, action: action, userID: user?.uuidString.lowercased(), serviceID: service?.uuidString.lowercased(),
          spID: sp?.uuidString.lowercased(), clientID: client, requestID: request, ip: ip, userAgent: userAgent,
          details: object.mapValues { "\($0)" }))
    }
    let page = Array(events.prefix(limit))
    return AuditPage(events: page, nextCursor: events.count > limit ? page.last.map { String($0.id) } : nil)
  }
}
