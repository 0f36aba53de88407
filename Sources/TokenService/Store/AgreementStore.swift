import Foundation
import Logging
import PostgresNIO
import Shared

/// `token.agreements` (docs/accounts.md, "Agreements"): a person's accepted versions, each change
/// with its audit row in one transaction.
struct AgreementStore: Sendable {
  let postgres: Database
  let logger: Logger

  func list(userID: UUID) async throws -> [(kind: String, version: String, accepted: Date, withdrawn: Date?)] {
    var rows: [(kind: String, version: String, accepted: Date, withdrawn: Date?)] = []
    for try await row in try await postgres.query(
      """
      SELECT kind, version, accepted_at, withdrawn_at FROM token.agreements WHERE user_id = \(userID)
      ORDER BY accepted_at DESC, kind
      """, logger: logger
    ).decode((String, String, Date, Date?).self) {
      rows.append(row)
    }
    return rows
  }

  /// Accepts `version` of `kind` (again, if it was withdrawn), or withdraws every accepted
  /// version of it; marketing also keeps `users.marketing_consent` in step. False when nothing
  /// changed (accepted already, or nothing to withdraw): then nothing is written.
  func change(
    userID: UUID, kind: String, version: String, accepted: Bool, client: ClientInfo, requestID: String?
  ) async throws -> Bool {
    try await postgres.transaction(logger: logger) { connection in
      guard try await Self.change(userID: userID, kind: kind, version: version, accepted: accepted, on: connection, logger: logger)
      else { return false }
      if kind == "marketing" {
        _ = try await connection.query(
          "UPDATE token.users SET marketing_consent = \(accepted), updated_at = now() WHERE id = \(userID)", logger: logger
        ).collect()
      }
      try await AuditEvent(
        action: accepted ? "AGREEMENT_ACCEPTED" : "AGREEMENT_WITHDRAWN", actorUserID: userID, requestID: requestID, client: client,
        details: ["kind": kind, "version": version]
      ).insert(on: connection, logger: logger)
      return true
    }
  }

  /// The change on the caller's connection (inside a registration's transaction too).
  static func change(
    userID: UUID, kind: String, version: String, accepted: Bool, on connection: PostgresConnection, logger: Logger
  ) async throws -> Bool {
    let changed = try await connection.query(
      accepted
        ? """
        INSERT INTO token.agreements (user_id, kind, version) VALUES (\(userID), \(kind), \(version))
        ON CONFLICT (user_id, kind, version) DO UPDATE SET accepted_at = now(), withdrawn_at = NULL
          WHERE token.agreements.withdrawn_at IS NOT NULL
        RETURNING 1
        """
        : """
        UPDATE token.agreements SET withdrawn_at = now() WHERE user_id = \(userID) AND kind = \(kind) AND withdrawn_at IS NULL
        RETURNING 1
        """, logger: logger
    ).collect()
    return !changed.isEmpty
  }
}
