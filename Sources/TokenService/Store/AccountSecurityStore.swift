import Foundation
import Logging
import PostgresNIO
import Shared

/// The SQL of `Reauthentication`: which services are first-party, and when a session last
/// proved who is there.
struct AccountSecurityStore: Sendable {
  let postgres: Database
  let logger: Logger

  func isFirstParty(serviceID: UUID) async throws -> Bool {
    for try await firstParty in try await postgres.query(
      "SELECT first_party FROM token.services WHERE id = \(serviceID)", logger: logger
    ).decode(Bool.self) {
      return firstParty
    }
    return false
  }

  /// The operator marks a service first-party (or not), with the audit row. False when there is no such service.
  func setFirstParty(slug: String, _ firstParty: Bool, requestID: String? = nil) async throws -> Bool {
    try await postgres.transaction(logger: logger) { connection in
      var serviceID: UUID?
      for try await id in try await connection.query(
        """
        UPDATE token.services SET first_party = \(firstParty), updated_at = now() WHERE slug = \(slug) AND deleted_at IS NULL RETURNING id
        """, logger: logger
      ).decode(UUID.self) {
        serviceID = id
      }
      guard let serviceID else { return false }
      try await AuditEvent(
        action: "SERVICE_FIRST_PARTY_SET", serviceID: serviceID, requestID: requestID,
        details: ["first_party": firstParty ? "yes" : "no"]
      ).insert(on: connection, logger: logger)
      return true
    }
  }

  /// The session proved it is its user again just now (the current password), with the audit
  /// row. False when the session is not the user's open session.
  func markReauthenticated(
    sessionID: UUID, userID: UUID, serviceID: UUID, purpose: String, client: ClientInfo,
    requestID: String?
  ) async throws -> Bool {
    try await postgres.transaction(logger: logger) { connection in
      let updated = try await connection.query(
        """
        UPDATE token.sessions SET reauthenticated_at = now()
        WHERE id = \(sessionID) AND user_id = \(userID) AND revoked_at IS NULL AND expires_at > now() RETURNING 1
        """, logger: logger
      ).collect().count
      guard updated == 1 else { return false }
      try await AuditEvent(
        action: "USER_REAUTHENTICATED", actorUserID: userID, serviceID: serviceID, requestID: requestID,
        client: client, details: ["session_id": sessionID.uuidString.lowercased(), "purpose": purpose, "ip": client.ip ?? ""]
      ).insert(on: connection, logger: logger)
      return true
    }
  }

  /// When the open session last proved who is there: the password re-entered, the second
  /// factor passed, or (only for an account with neither a password nor MFA, which has
  /// nothing else to prove it with) the sign-in itself: `.some(nil)` when it never proved
  /// itself, nil when the session is not open (it ended, or its account is gone).
  func lastProof(sessionID: UUID, userID: UUID, hasPassword: Bool, mfaEnabled: Bool) async throws -> Date?? {
    let signInCounts = !hasPassword && !mfaEnabled
    for try await proof in try await postgres.query(
      """
      SELECT greatest(reauthenticated_at, mfa_at, CASE WHEN \(signInCounts) THEN created_at END)
      FROM token.sessions
      WHERE id = \(sessionID) AND user_id = \(userID) AND revoked_at IS NULL AND expires_at > now()
      """, logger: logger
    ).decode(Date?.self) {
      return .some(proof)
    }
    return nil
  }
}
