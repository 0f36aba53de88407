import Foundation
import Logging
import PostgresNIO
import Shared

/// Operators' reads and changes of accounts across services (UserAdministration).
struct UserAdminStore: Sendable {
  let postgres: Database
  let logger: Logger

  /// An account as stored, before masking.
  struct Row: Sendable {
    let id: UUID
    let username: String
    let email: String
    let firstName: String
    let lastName: String
    let emailVerified: Bool
    let platformRole: String
    let active: Bool
    let mfaEnabled: Bool
    let signInLockedUntil: Date?
    let createdAt: Date
    let lastLoginAt: Date?
  }

  private static let columns = """
    SELECT u.id, u.username, u.email, u.first_name, u.last_name, u.email_verified, u.platform_role, u.is_active, u.mfa_enabled,
           (SELECT max(t.locked_until) FROM token.sign_in_throttles t WHERE t.user_id = u.id AND t.locked_until > now()),
           u.created_at, (SELECT max(s.created_at) FROM token.sessions s WHERE s.user_id = u.id), u.username_key
    FROM token.users u
    """

  /// Accounts by username: those whose username starts with `prefix` (its key, as sign-in
  /// compares names), or the one with this address or id; after `cursor` (a username key).
  func search(prefix: String?, email: String?, id: UUID?, after cursor: String?, limit: Int) async throws -> [(Row, String)] {
    let pattern = prefix.map {
      $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
        .replacingOccurrences(of: "_", with: "\\_") + "%"
    }
    let sql =
      Self.columns + """
         WHERE ($1 OR u.username_key LIKE $2 OR lower(u.email) = lower($3) OR u.id = $4)
          AND ($5::text IS NULL OR u.username_key > $5)
        ORDER BY u.username_key LIMIT $6
        """
    var bindings = PostgresBindings()
    bindings.append(prefix == nil && email == nil && id == nil)
    bindings.append(pattern)
    bindings.append(email)
    bindings.append(id)
    bindings.append(cursor)
    bindings.append(limit)
    let rows = try await postgres.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
    var found: [(Row, String)] = []
    for try await row in rows { found.append(try Self.decode(row)) }
    return found
  }

  func user(id: UUID) async throws -> Row? {
    var bindings = PostgresBindings()
    bindings.append(id)
    let sql = Self.columns + " WHERE u.id = $1"
    for try await row in try await postgres.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger) {
      return try Self.decode(row).0
    }
    return nil
  }

  /// The services the account belongs to (each read through `token.membership`, which names the
  /// service for the row-level policy), and its open sessions.
  func memberships(userID: UUID) async throws -> (memberships: [AdminMembership], openSessions: Int) {
    let rows = try await postgres.query(
      """
      SELECT s.slug, s.name, m.role, m.status
      FROM token.services s CROSS JOIN LATERAL token.membership(s.id, \(userID)) m
      WHERE s.deleted_at IS NULL ORDER BY s.slug
      """, logger: logger)
    var memberships: [AdminMembership] = []
    for try await (slug, name, role, status) in rows.decode((String, String, String, String).self) {
      memberships.append(AdminMembership(service: slug, serviceName: name, role: role, status: status))
    }
    let open =
      try await postgres.query(
        "SELECT count(*)::int FROM token.sessions WHERE user_id = \(userID) AND revoked_at IS NULL AND expires_at > now()",
        logger: logger
      ).collect().first?.decode(Int.self) ?? 0
    return (memberships, open)
  }

  /// No sign-in any more: every session ends and the token version rises (access tokens and
  /// browser sessions die with it), with the audit row. Nil when it was locked already: then
  /// nothing is written, so of many admins locking at once one row says it.
  func lock(userID: UUID, by admin: UUID, requestID: String?, client: ClientInfo?) async throws -> Int? {
    try await postgres.transaction(logger: logger) { connection in
      var version: Int?
      for try await raised in try await connection.query(
        """
        UPDATE token.users SET is_active = false, token_version = token_version + 1, updated_at = now()
        WHERE id = \(userID) AND is_active RETURNING token_version
        """, logger: logger
      ).decode(Int.self) {
        version = raised
      }
      guard let version else { return nil }
      let ended = try await connection.query(
        """
        UPDATE token.sessions SET revoked_at = now(), revoked_reason = 'locked'
        WHERE user_id = \(userID) AND revoked_at IS NULL RETURNING id
        """, logger: logger
      ).collect().count
      try await AuditEvent(
        action: "USER_LOCKED", actorUserID: admin, requestID: requestID, client: client,
        details: ["user_id": userID.uuidString.lowercased(), "sessions_ended": String(ended)]
      ).insert(on: connection, logger: logger)
      return version
    }
  }

  /// Every session and signed-in browser of the account ends and its token version rises (its
  /// access tokens stop verifying at once), with the audit row; the account stays active. Nil
  /// for no such account.
  func signOut(userID: UUID, by admin: UUID, requestID: String?, client: ClientInfo?) async throws -> Int? {
    try await postgres.transaction(logger: logger) { connection in
      var version: Int?
      for try await raised in try await connection.query(
        "UPDATE token.users SET token_version = token_version + 1, updated_at = now() WHERE id = \(userID) RETURNING token_version",
        logger: logger
      ).decode(Int.self) {
        version = raised
      }
      guard let version else { return nil }
      let ended = try await AccountStore.endEverySession(
        of: userID, reason: "signed_out_by_admin", clearingLockOuts: false, on: connection, logger: logger)
      try await AuditEvent(
        action: "USER_SIGNED_OUT", actorUserID: admin, requestID: requestID, client: client,
        details: ["user_id": userID.uuidString.lowercased(), "sessions_ended": String(ended)]
      ).insert(on: connection, logger: logger)
      return version
    }
  }

  /// Sign-in again: active, the wrong-password lock-outs of every address and the second
  /// factor's lock-out cleared, with the audit row saying which. False when there was nothing to undo.
  func unlock(userID: UUID, by admin: UUID, requestID: String?, client: ClientInfo?) async throws -> Bool {
    try await postgres.transaction(logger: logger) { connection in
      let reactivated = try await connection.query(
        "UPDATE token.users SET is_active = true, updated_at = now() WHERE id = \(userID) AND NOT is_active RETURNING id",
        logger: logger
      ).collect().count
      let throttles = try await connection.query(
        "DELETE FROM token.sign_in_throttles WHERE user_id = \(userID) AND (failures > 0 OR locked_until IS NOT NULL) RETURNING user_id",
        logger: logger
      ).collect().count
      let secondFactor = try await connection.query(
        """
        UPDATE token.totp_credentials SET failed_attempts = 0, first_failed_at = NULL, locked_until = NULL
        WHERE user_id = \(userID) AND (failed_attempts > 0 OR locked_until IS NOT NULL) RETURNING user_id
        """, logger: logger
      ).collect().count
      guard reactivated + throttles + secondFactor > 0 else { return false }
      try await AuditEvent(
        action: "USER_UNLOCKED", actorUserID: admin, requestID: requestID, client: client,
        details: [
          "user_id": userID.uuidString.lowercased(), "reactivated": String(reactivated == 1),
          "sign_in_lockouts_cleared": String(throttles), "second_factor_lockout_cleared": String(secondFactor == 1),
        ]
      ).insert(on: connection, logger: logger)
      return true
    }
  }

  private static func decode(_ row: PostgresRow) throws -> (Row, String) {
    let c = row.makeRandomAccess()
    let user = Row(
      id: try c[0].decode(UUID.self), username: try c[1].decode(String.self), email: try c[2].decode(String.self),
      firstName: try c[3].decode(String.self), lastName: try c[4].decode(String.self), emailVerified: try c[5].decode(Bool.self),
      platformRole: try c[6].decode(String.self), active: try c[7].decode(Bool.self), mfaEnabled: try c[8].decode(Bool.self),
      signInLockedUntil: try c[9].decode(Date?.self), createdAt: try c[10].decode(Date.self), lastLoginAt: try c[11].decode(Date?.self))
    return (user, try c[12].decode(String.self))
  }
}
