import Foundation
import Logging
import PostgresNIO
import Shared

/// `token.authorization_codes` (docs/oidc.md, "Codes"): issued by an authorization, spent once
/// by the token endpoint within 60 seconds. Only the code's SHA-256 is stored.
struct AuthorizationCodeStore: Sendable {
  let postgres: Database
  let logger: Logger

  static let lifetime = 60
  /// Every code starts so; the token endpoint tells ours from a social sign-in's login code by it.
  static let prefix = "ghc_"

  /// What a code was issued for.
  struct Grant: Sendable {
    let serviceID: UUID
    let userID: UUID
    let browserSessionID: UUID
    let redirectURI: String
    let scopes: [String]
    let nonce: String?
    let codeChallenge: String?
    let fresh: Bool
    /// Of the browser session when the code was spent.
    let authTime: Date
    let amr: [String]
    let mfaAt: Date?
  }

  static func hash(_ code: String) -> ByteBuffer { SecretDigest.sha256(code) }

  /// Issues a code with its audit row, and finishes the pending request the pages were for
  /// (`pendingID`), in one statement: of two forms racing for one request, one gets a code and the
  /// other nil. (One statement, not a transaction of four: this is on every single sign-on.)
  func issue(
    serviceID: UUID, userID: UUID, browserSessionID: UUID, request: AuthorizationRequestRules.Accepted, pendingID: UUID?,
    client: ClientInfo, requestID: String?
  ) async throws -> String? {
    let code = Self.prefix + Base64URL.encode(SecureRandom.bytes(32))
    let audit = try AuditEvent(
      action: "AUTHORIZATION_CODE_ISSUED", actorUserID: userID, serviceID: serviceID, requestID: requestID, client: client,
      details: ["browser_session_id": browserSessionID.uuidString.lowercased(), "scopes": request.scopes.joined(separator: " ")])
    let issued = try await postgres.query(
      """
      WITH finished AS (
          DELETE FROM token.authorization_requests WHERE id = \(pendingID) RETURNING 1
      ), code AS (
          INSERT INTO token.authorization_codes
            (code_hash, service_id, user_id, browser_session_id, redirect_uri, scopes, nonce, code_challenge, expires_at)
          SELECT \(Self.hash(code)), \(serviceID), \(userID), \(browserSessionID), \(request.redirectURI), \(request.scopes),
                 \(request.nonce), \(request.codeChallenge), now() + make_interval(secs => \(Double(Self.lifetime)))
          WHERE \(pendingID == nil) OR EXISTS (SELECT 1 FROM finished)
          RETURNING 1
      ), audited AS (
          INSERT INTO audit.events (action, actor_user_id, service_id, request_id, ip, user_agent, details)
          SELECT \(audit.action), \(audit.actorUserID), \(audit.serviceID), \(audit.requestID), \(audit.ip)::inet,
                 \(audit.userAgent), \(audit.details)::jsonb
          FROM code
      )
      SELECT count(*)::int FROM code
      """, logger: logger)
    for try await count in issued.decode(Int.self) where count == 1 { return code }
    return nil
  }

  /// Spends the code inside the caller's transaction; nil when it is unknown or was spent before.
  func spend(_ code: String, on connection: PostgresConnection) async throws -> Grant? {
    let rows = try await connection.query(
      """
      UPDATE token.authorization_codes c SET used_at = now()
      FROM token.browser_sessions b
      WHERE c.code_hash = \(Self.hash(code)) AND c.used_at IS NULL AND b.id = c.browser_session_id
      RETURNING c.service_id, c.user_id, c.browser_session_id, c.redirect_uri, c.scopes, c.nonce, c.code_challenge,
                c.expires_at > now() AND b.revoked_at IS NULL, b.auth_time, b.amr, b.mfa_at
      """, logger: logger)
    for try await row in rows {
      let c = row.makeRandomAccess()
      return Grant(
        serviceID: try c[0].decode(UUID.self), userID: try c[1].decode(UUID.self), browserSessionID: try c[2].decode(UUID.self),
        redirectURI: try c[3].decode(String.self), scopes: try c[4].decode([String].self), nonce: try c[5].decode(String?.self),
        codeChallenge: try c[6].decode(String?.self), fresh: try c[7].decode(Bool.self), authTime: try c[8].decode(Date.self),
        amr: try c[9].decode([String].self), mfaAt: try c[10].decode(Date?.self))
    }
    return nil
  }

  /// Notes what the exchange issued, in its transaction, so a replay can revoke it.
  func recordIssued(_ code: String, sessionID: UUID, accessTokenJTI: String, accessTokenExp: Int, on connection: PostgresConnection)
    async throws
  {
    _ = try await connection.query(
      """
      UPDATE token.authorization_codes SET session_id = \(sessionID), access_token_jti = \(accessTokenJTI),
             access_token_exp = \(accessTokenExp)
      WHERE code_hash = \(Self.hash(code))
      """, logger: logger
    ).collect()
  }

  /// A spent code presented again (RFC 6749 section 4.1.2): the session its exchange opened
  /// ends and its access token is revoked, with the audit row. Returns the revoked access token
  /// (jti, exp) for the gateways, or nil when the code was never issued.
  func revokeReplayed(_ code: String, client: ClientInfo, requestID: String?) async throws -> (jti: String, exp: Int)?? {
    try await postgres.transaction(logger: logger) { connection in
      var found: (service: UUID, user: UUID, session: UUID?, jti: String?, exp: Int?)?
      for try await row in try await connection.query(
        """
        SELECT service_id, user_id, session_id, access_token_jti, access_token_exp FROM token.authorization_codes
        WHERE code_hash = \(Self.hash(code)) AND used_at IS NOT NULL
        """, logger: logger
      ).decode((UUID, UUID, UUID?, String?, Int?).self) {
        found = row
      }
      guard let found else { return nil }
      if let session = found.session {
        _ = try await connection.query(
          """
          UPDATE token.sessions SET revoked_at = now(), revoked_reason = 'code_replayed'
          WHERE id = \(session) AND revoked_at IS NULL
          """, logger: logger
        ).collect()
      }
      var revoked: (jti: String, exp: Int)?
      if let jti = found.jti, let exp = found.exp,
        try await RevocationStore.record(jti: jti, expiresAt: exp, on: connection, logger: logger)
      {
        revoked = (jti, exp)
      }
      try await AuditEvent(
        action: "AUTHORIZATION_CODE_REPLAYED", actorUserID: found.user, serviceID: found.service, requestID: requestID,
        client: client, details: ["session_id": found.session?.uuidString.lowercased() ?? ""]
      ).insert(on: connection, logger: logger)
      return .some(revoked)
    }
  }
}
