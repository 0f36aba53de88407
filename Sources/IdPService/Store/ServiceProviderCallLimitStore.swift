import Foundation
import PostgresNIO
import Shared

/// `idp.service_providers.calls_per_minute`: the SP's own call limit (docs/limits.md).
extension ServiceProviderStore {
  /// The limit of the SP these credentials authenticate (401 `invalid_client` otherwise).
  func callLimit(_ credentials: ClientCredentials) async throws -> ServiceProviderCallLimit {
    let provider = try await authenticate(credentials)
    var perMinute: Int?
    for try await value in try await postgres.query(
      """
      SELECT calls_per_minute FROM idp.service_providers WHERE id = \(provider.id)
      """, logger: logger
    ).decode(Int?.self) { perMinute = value }
    return ServiceProviderCallLimit(clientID: provider.clientID, callsPerMinute: perMinute)
  }

  /// The operator's setting (nil: back to the default), with the audit row, in one transaction.
  /// False when no SP has this client id.
  func setCallLimit(clientID: String, perMinute: Int?) async throws -> Bool {
    try await postgres.transaction(logger: logger) { connection in
      var changed: UUID?
      for try await id in try await connection.query(
        """
        UPDATE idp.service_providers SET calls_per_minute = \(perMinute), updated_at = now() WHERE client_id = \(clientID) RETURNING id
        """, logger: logger
      ).decode(UUID.self) { changed = id }
      guard let changed else { return false }
      try await AuditEvent(
        action: "SERVICE_PROVIDER_CALL_LIMIT_CHANGED", clientID: clientID,
        details: [
          "sp_id": changed.uuidString.lowercased(), "calls_per_minute": perMinute.map(String.init) ?? "default", "by": "operator",
        ]
      ).insert(on: connection, logger: logger)
      return true
    }
  }
}
