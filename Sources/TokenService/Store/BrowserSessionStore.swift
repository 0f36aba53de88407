import Foundation
import Logging
import PostgresNIO
import Shared

/// `token.browser_sessions` (docs/oidc.md, "Single sign-on"): one signed-in browser. Its cookie
/// holds a random token; only the token's SHA-256 is stored. A session counts only while the
/// account's token version is the one it was opened at (a password change, "sign out
/// everywhere" or MFA turned off raise it).
struct BrowserSessionStore: Sendable {
  let postgres: Database
  let logger: Logger

  /// How long a browser session lasts from its sign-in, whatever it is used for.
  static let lifetime = 86_400

  /// What a later authorization request needs to know of a browser's session.
  struct Session: Sendable {
    let id: UUID
    let userID: UUID
    let amr: [String]
    let authTime: Date
    let mfaAt: Date?
  }

  static func hash(_ token: String) -> ByteBuffer { SecretDigest.sha256(token) }

  /// The live session the cookie names, of an active account; nil for anything else.
  func find(token: String) async throws -> Session? {
    let rows = try await postgres.query(
      """
      SELECT b.id, b.user_id, b.amr, b.auth_time, b.mfa_at FROM token.browser_sessions b JOIN token.users u ON u.id = b.user_id
      WHERE b.token_hash = \(Self.hash(token)) AND b.revoked_at IS NULL AND b.expires_at > now() AND u.is_active
        AND b.token_version = u.token_version
      """, logger: logger)
    for try await (id, user, amr, authTime, mfaAt) in rows.decode((UUID, UUID, [String], Date, Date?).self) {
      return Session(id: id, userID: user, amr: amr, authTime: authTime, mfaAt: mfaAt)
    }
    return nil
  }

  /// Opens a session after a sign-in, with its audit row, inside the caller's transaction (the one
  /// that settles the password's claim or spends the second factor). Returns it and its token.
  func open(
    userID: UUID, amr: [String], secondFactor: Bool, serviceID: UUID, client: ClientInfo, requestID: String?,
    on connection: PostgresConnection
  ) async throws -> (Session, token: String) {
    let token = Base64URL.encode(SecureRandom.bytes(32))
    let rows = try await connection.query(
      """
      INSERT INTO token.browser_sessions (token_hash, user_id, amr, mfa_at, ip, user_agent, expires_at, token_version)
      SELECT \(Self.hash(token)), \(userID), \(amr), CASE WHEN \(secondFactor) THEN now() END, \(client.ip)::inet,
             \(client.userAgent), now() + make_interval(secs => \(Double(Self.lifetime))), u.token_version
      FROM token.users u WHERE u.id = \(userID)
      RETURNING id, auth_time, mfa_at
      """, logger: logger)
    var opened: Session?
    for try await (id, authTime, mfaAt) in rows.decode((UUID, Date, Date?).self) {
      opened = Session(id: id, userID: userID, amr: amr, authTime: authTime, mfaAt: mfaAt)
    }
    guard let opened else { throw Problem.internalError() }
    try await AuditEvent(
      action: "BROWSER_SESSION_STARTED", actorUserID: userID, serviceID: serviceID, requestID: requestID, client: client,
      details: ["browser_session_id": opened.id.uuidString.lowercased(), "amr": amr.joined(separator: " ")]
    ).insert(on: connection, logger: logger)
    SecurityCounters.signIn(outcome: "success", method: "browser")
    return (opened, token)
  }

  /// The session passed a second factor now (a service required one), with the audit row,
  /// inside the transaction that spent the code.
  func passSecondFactor(
    _ session: Session, amr: [String], serviceID: UUID, client: ClientInfo, requestID: String?, on connection: PostgresConnection
  ) async throws -> Session {
    var passed: Session?
    for try await (mfaAt) in try await connection.query(
      """
      UPDATE token.browser_sessions SET mfa_at = now(), amr = \(amr) WHERE id = \(session.id) AND revoked_at IS NULL RETURNING mfa_at
      """, logger: logger
    ).decode(Date.self) {
      passed = Session(id: session.id, userID: session.userID, amr: amr, authTime: session.authTime, mfaAt: mfaAt)
    }
    guard let passed else { throw OpenIDProblems.authorizationExpired.problem("This browser's session ended; sign in again.") }
    try await AuditEvent(
      action: "BROWSER_SESSION_STEPPED_UP", actorUserID: session.userID, serviceID: serviceID, requestID: requestID, client: client,
      details: ["browser_session_id": session.id.uuidString.lowercased(), "amr": amr.joined(separator: " ")]
    ).insert(on: connection, logger: logger)
    return passed
  }

  /// Ends the browser session and every app session opened through it, with the audit row.
  /// Returns the user whose session it was, or nil when there was none to end.
  func end(token: String, reason: String, client: ClientInfo, requestID: String?) async throws -> UUID? {
    try await end(reason: reason, client: client, requestID: requestID) { connection in
      for try await row in try await connection.query(
        """
        UPDATE token.browser_sessions SET revoked_at = now(), revoked_reason = \(reason)
        WHERE token_hash = \(Self.hash(token)) AND revoked_at IS NULL RETURNING id, user_id
        """, logger: logger
      ).decode((UUID, UUID).self) {
        return row
      }
      return nil
    }
  }

  /// The same for one of the user's own sessions, by id (the account's session list).
  func end(id: UUID, userID: UUID, client: ClientInfo, requestID: String?) async throws -> Bool {
    try await end(reason: "ended_by_user", client: client, requestID: requestID) { connection in
      for try await row in try await connection.query(
        """
        UPDATE token.browser_sessions SET revoked_at = now(), revoked_reason = 'ended_by_user'
        WHERE id = \(id) AND user_id = \(userID) AND revoked_at IS NULL RETURNING id, user_id
        """, logger: logger
      ).decode((UUID, UUID).self) {
        return row
      }
      return nil
    } != nil
  }

  private func end(
    reason: String, client: ClientInfo, requestID: String?, revoke: (PostgresConnection) async throws -> (UUID, UUID)?
  ) async throws -> UUID? {
    try await postgres.transaction(logger: logger) { connection in
      guard let (id, user) = try await revoke(connection) else { return nil }
      let sessions = try await connection.query(
        """
        UPDATE token.sessions SET revoked_at = now(), revoked_reason = \(reason)
        WHERE browser_session_id = \(id) AND revoked_at IS NULL RETURNING id
        """, logger: logger
      ).collect().count
      try await AuditEvent(
        action: "BROWSER_SESSION_ENDED", actorUserID: user, requestID: requestID, client: client,
        details: ["browser_session_id": id.uuidString.lowercased(), "reason": reason, "sessions": String(sessions)]
      ).insert(on: connection, logger: logger)
      return user
    }
  }

  /// The user's live browser sessions, newest first.
  func live(userID: UUID) async throws -> [BrowserSessionView] {
    let rows = try await postgres.query(
      """
      SELECT b.id, b.amr, host(b.ip), b.user_agent, b.created_at, b.last_seen_at, b.expires_at
      FROM token.browser_sessions b JOIN token.users u ON u.id = b.user_id
      WHERE b.user_id = \(userID) AND b.revoked_at IS NULL AND b.expires_at > now() AND b.token_version = u.token_version
      ORDER BY b.created_at DESC LIMIT 100
      """, logger: logger)
    var sessions: [BrowserSessionView] = []
    for try await (id, amr, ip, agent, created, seen, expires) in rows.decode(
      (UUID, [String], String?, String?, Date, Date, Date).self)
    {
      sessions.append(
        BrowserSessionView(
          id: id.uuidString.lowercased(), amr: amr, ip: ip, userAgent: agent, createdAt: created, lastSeenAt: seen, expiresAt: expires))
    }
    return sessions
  }
}
