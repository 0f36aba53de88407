import Foundation
import Logging
import PostgresNIO
import Shared

extension ServiceProviderStore {
  /// The operator's choice of an SP's plan, with the audit row, in one transaction. False when no
  /// SP has this client id. Every instance sees it within the credentials cache's second.
  func setPlan(clientID: String, _ plan: ServicePlan) async throws -> Bool {
    defer { forgetCached() }
    return try await postgres.transaction(logger: logger) { connection in
      var changed: UUID?
      for try await id in try await connection.query(
        """
        UPDATE idp.service_providers SET plan = \(plan.rawValue), updated_at = now() WHERE client_id = \(clientID) RETURNING id
        """, logger: logger
      ).decode(UUID.self) { changed = id }
      guard let changed else { return false }
      try await AuditEvent(
        action: "SERVICE_PROVIDER_PLAN_CHANGED", clientID: clientID,
        details: ["sp_id": changed.uuidString.lowercased(), "plan": plan.rawValue, "by": "operator"]
      ).insert(on: connection, logger: logger)
      return true
    }
  }
}
