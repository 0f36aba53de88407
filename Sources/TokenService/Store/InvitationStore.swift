import Foundation
import Logging
import PostgresNIO
import Shared

/// `token.invitations` (docs/admin.md, "Members"): made with its mail's outbox row and audit row
/// in one transaction; its token made when the mail goes out; spent in the transaction that makes
/// the account.
struct InvitationStore: Sendable {
  let postgres: Database
  let logger: Logger

  static let lifetime: Duration = .seconds(7 * 24 * 3600)

  /// The invitation, its expiry and the mail's outbox row.
  func create(
    serviceID: UUID, email: String, role: String, invitedBy: UUID, mail: MailOutbox, client: ClientInfo, requestID: String?
  ) async throws -> (id: UUID, expiresAt: Date, job: OutboxJob) {
    try await postgres.transaction(logger: logger) { connection in
      var created: (UUID, Date)?
      for try await row in try await connection.query(
        """
        INSERT INTO token.invitations (service_id, email, role, invited_by, expires_at)
        VALUES (\(serviceID), \(email), \(role), \(invitedBy), now() + make_interval(secs => \(Double(Self.lifetime.components.seconds))))
        RETURNING id, expires_at
        """, logger: logger
      ).decode((UUID, Date).self) {
        created = row
      }
      guard let (id, expiresAt) = created else { throw Problem.internalError() }
      try await AuditEvent(
        action: "INVITATION_SENT", actorUserID: invitedBy, serviceID: serviceID, requestID: requestID, client: client,
        details: ["invitation_id": id.uuidString.lowercased(), "role": role]
      ).insert(on: connection, logger: logger)
      let job = try await mail.add(
        AccountMailJob(kind: .invitation, email: email, serviceID: serviceID, requestID: requestID, invitationID: id), on: connection)
      return (id, expiresAt, job)
    }
  }

  /// Keeps `token` (its SHA-256) as the waiting invitation's, inside the mail's transaction, and
  /// answers its role; nil when it was accepted or has expired.
  static func issueToken(_ token: String, for id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> String? {
    for try await role in try await connection.query(
      """
      UPDATE token.invitations SET token_hash = \(SecretDigest.sha256(token))
      WHERE id = \(id) AND accepted_at IS NULL AND expires_at > now() RETURNING role
      """, logger: logger
    ).decode(String.self) {
      return role
    }
    return nil
  }

  /// What a token invites to, before it is spent: the invitation, its service, address and role.
  func find(token: String) async throws -> (id: UUID, serviceID: UUID, email: String, role: String) {
    guard token.utf8.count == 43, Base64URL.decode(token) != nil else {
      throw RecoveryProblems.linkInvalid.problem("This link is not one Gatehouse sent.", field: "token")
    }
    for try await (id, service, email, role, accepted, expired) in try await postgres.query(
      """
      SELECT id, service_id, email, role, accepted_at IS NOT NULL, expires_at <= now() FROM token.invitations
      WHERE token_hash = \(SecretDigest.sha256(token))
      """, logger: logger
    ).decode((UUID, UUID, String, String, Bool, Bool).self) {
      if accepted { throw RecoveryProblems.linkUsed.problem("This invitation was accepted already.") }
      if expired { throw RecoveryProblems.linkExpired.problem("This invitation has expired; ask for a new one.") }
      return (id, service, email, role)
    }
    throw RecoveryProblems.linkInvalid.problem("This link is not one Gatehouse sent, or a newer mail replaced it.", field: "token")
  }

  /// Spends the invitation for the account `userID` on the caller's connection: false when
  /// another request spent it first, or it expired meanwhile.
  static func accept(_ id: UUID, by userID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
    !(try await connection.query(
      """
      UPDATE token.invitations SET accepted_at = now(), accepted_by = \(userID)
      WHERE id = \(id) AND accepted_at IS NULL AND expires_at > now() RETURNING 1
      """, logger: logger
    ).collect()).isEmpty
  }
}
