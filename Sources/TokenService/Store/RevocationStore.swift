import Foundation
import Logging
import PostgresNIO
import Shared

/// The SQL of `token.revocations` (migration 010): the durable record of what gateways must
/// refuse although the signature is good. Version revocations are written by the migration's
/// triggers in the transaction that raises the version; revoked jtis by the store that ends the
/// session or by `revokeAccessToken`, in theirs. Rows past their expiry are deleted by the
/// cleanup (`RetentionStore.revocations`).
struct RevocationStore: Sendable {
  let postgres: Database
  let logger: Logger

  /// What can still matter: each revoked jti, and each subject's highest version.
  func active() async throws -> [Revocation] {
    let rows = try await postgres.query(
      """
      SELECT jti, NULL::text, NULL::int, EXTRACT(EPOCH FROM expires_at)::int8
      FROM token.revocations WHERE jti IS NOT NULL AND expires_at > now()
      UNION ALL
      SELECT NULL, subject, max(token_version), EXTRACT(EPOCH FROM max(expires_at))::int8
      FROM token.revocations WHERE subject IS NOT NULL AND expires_at > now() GROUP BY subject
      """, logger: logger)
    var revocations: [Revocation] = []
    for try await (jti, subject, version, expires) in rows.decode((String?, String?, Int?, Int64).self) {
      revocations.append(Revocation(jti: jti, expiresAt: Int(expires), userID: subject, tokenVersion: version))
    }
    return revocations
  }

  func isRevoked(jti: String) async throws -> Bool {
    try await postgres.query("SELECT 1 FROM token.revocations WHERE jti = \(jti)", logger: logger).collect().count > 0
  }

  /// One access token, revoked by its client (`/oauth/revoke`), with its audit row.
  func revokeAccessToken(jti: String, expiresAt: Int, serviceID: UUID, clientID: String, requestID: String?) async throws {
    try await postgres.transaction(logger: logger) { connection in
      guard try await Self.record(jti: jti, expiresAt: expiresAt, on: connection, logger: logger) else { return }
      try await AuditEvent(
        action: "TOKEN_REVOKED", serviceID: serviceID, clientID: clientID, requestID: requestID,
        details: ["jti": jti, "reason": "oauth_revoke"]
      ).insert(on: connection, logger: logger)
    }
  }

  /// Records a revoked jti inside the caller's transaction; false when it was revoked already.
  /// `expiresAt` is the token's `exp`; the row stays a minute longer, as verifiers allow 30 s of leeway.
  static func record(jti: String, expiresAt: Int, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
    try await connection.query(
      """
      INSERT INTO token.revocations (jti, expires_at) VALUES (\(jti), to_timestamp(\(Double(expiresAt + 60))))
      ON CONFLICT (jti) DO NOTHING RETURNING id
      """, logger: logger
    ).collect().count > 0
  }
}
