import Foundation
import Logging
import PostgresNIO
import Shared

/// Ending sessions: one (logout) or all of a user's (logout-all, password change).
struct SessionStore: Sendable {
  let postgres: Database
  let logger: Logger

  /// Revokes the session, with its audit row, and the access token presented to end it (its
  /// jti until it expires), in one transaction. Returns how many sessions ended (0 or 1).
  func end(
    sessionID: UUID, userID: UUID, reason: String = "logout", clientID: String? = nil,
    revoking accessToken: (jti: String, expiresAt: Int)? = nil, requestID: String?
  ) async throws -> Int {
    try await postgres.transaction(logger: logger) { connection in
      let ended = try await connection.query(
        """
        UPDATE token.sessions SET revoked_at = now(), revoked_reason = \(reason)
        WHERE id = \(sessionID) AND user_id = \(userID) AND revoked_at IS NULL RETURNING id
        """, logger: logger
      ).collect().count
      if let accessToken {
        _ = try await RevocationStore.record(jti: accessToken.jti, expiresAt: accessToken.expiresAt, on: connection, logger: logger)
      }
      if ended > 0 {
        try await AuditEvent(
          action: "USER_LOGOUT", actorUserID: userID, clientID: clientID, requestID: requestID,
          details: ["session_id": sessionID.uuidString.lowercased(), "reason": reason]
        ).insert(on: connection, logger: logger)
      }
      return ended
    }
  }

  /// Revokes every session of the user, app and browser, and raises their token version, so
  /// every access token issued before now stops verifying (a browser session opened before
  /// would stop counting by the version alone; it is marked ended too, so that what the database
  /// says is what happened). Returns (app sessions ended, the new token version).
  func endAll(userID: UUID, reason: String, requestID: String?) async throws -> (Int, Int) {
    try await postgres.transaction(logger: logger) { connection in
      let ended = try await connection.query(
        """
        UPDATE token.sessions SET revoked_at = now(), revoked_reason = \(reason)
        WHERE user_id = \(userID) AND revoked_at IS NULL RETURNING id
        """, logger: logger
      ).collect().count
      let browsers = try await connection.query(
        """
        UPDATE token.browser_sessions SET revoked_at = now(), revoked_reason = \(reason)
        WHERE user_id = \(userID) AND revoked_at IS NULL RETURNING id
        """, logger: logger
      ).collect().count
      var version = 0
      for try await v in try await connection.query(
        "UPDATE token.users SET token_version = token_version + 1 WHERE id = \(userID) RETURNING token_version", logger: logger
      ).decode(Int.self) {
        version = v
      }
      try await AuditEvent(
        action: "USER_LOGOUT", actorUserID: userID, requestID: requestID,
        details: ["scope": "all", "sessions": String(ended), "browser_sessions": String(browsers), "reason": reason]
      ).insert(on: connection, logger: logger)
      return (ended, version)
    }
  }

  /// The user's open sessions, newest first.
  func open(userID: UUID, current: UUID?) async throws -> [SessionView] {
    let rows = try await postgres.query(
      """
      SELECT s.id, sv.slug, s.client_type, host(s.ip), s.user_agent, s.created_at, s.last_used_at
      FROM token.sessions s JOIN token.services sv ON sv.id = s.service_id
      WHERE s.user_id = \(userID) AND s.revoked_at IS NULL AND s.expires_at > now()
      ORDER BY s.created_at DESC LIMIT 200
      """, logger: logger)
    var sessions: [SessionView] = []
    for try await (id, service, clientType, ip, agent, created, used) in rows.decode(
      (UUID, String, String, String?, String?, Date, Date).self)
    {
      sessions.append(
        SessionView(
          id: id.uuidString.lowercased(), service: service, clientType: clientType, ip: ip,
          userAgent: agent, createdAt: created, lastUsedAt: used, current: id == current))
    }
    return sessions
  }
}
