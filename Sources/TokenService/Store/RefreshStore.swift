import Crypto
import Foundation
import Logging
import PostgresNIO
import Shared

/// The SQL of refresh-token rotation: one read, then one conditional statement per rotation, and
/// no transaction held while the new pair is signed (`Refresh` drives them, `RefreshRules` decides).
struct RefreshStore: Sendable {
  let postgres: Database
  let logger: Logger

  /// The session behind a refresh token that may be rotated.
  struct Family: Sendable {
    let tokenID: UUID
    let sessionID: UUID
    let service: ServiceRecord
    let clientType: ClientType
    let rememberMe: Bool
    let user: UserSummary
    let userActive: Bool
    let tokenVersion: Int
    /// Nil when the user is no longer a member.
    let member: MemberGrant?
    let membershipStatus: String?
    let platformRole: String
    let mfa: SessionMFA
    /// What an authorization code's exchange granted; nil for a session of the JSON API.
    let scopes: [String]?
  }

  /// What a refresh token is stored and looked up as: its SHA-256, at issue (LoginStore) and on every use.
  static func hash(_ token: String) -> ByteBuffer { SecretDigest.sha256(token) }

  /// Spends the token if nobody has, with its successor (`next`, a hash, living `lifetime`
  /// seconds), the session's last use, the audit row and the sealed pair kept for the grace
  /// window, in one statement. False when another request spent it first.
  func spend(_ family: Family, grace: EncryptedValue, next: ByteBuffer, lifetime: Int, requestID: String?) async throws -> Bool {
    let audit = try AuditEvent(
      action: "TOKEN_REFRESHED", actorUserID: UUID(uuidString: family.user.id), requestID: requestID,
      details: ["session_id": family.sessionID.uuidString.lowercased()])
    var spentNow = 0
    for try await count in try await postgres.execute(
      Spend(
        tokenID: family.tokenID, graceResult: ByteBuffer(bytes: grace.sealed), graceKeyVersion: grace.keyVersion, nextHash: next,
        nextLifetime: Double(lifetime), audit: audit), logger: logger)
    {
      spentNow = count
    }
    return spentNow == 1
  }

  /// Revokes the session of a spent token presented after its grace window, with its audit
  /// row, in one statement.
  func endSessionForReuse(_ family: Family, requestID: String?) async throws {
    let audit = try AuditEvent(
      action: "TOKEN_REUSE_DETECTED", actorUserID: UUID(uuidString: family.user.id), requestID: requestID,
      details: ["session_id": family.sessionID.uuidString.lowercased()])
    SecurityCounters.refreshReuse()
    _ = try await postgres.query(
      """
      WITH revoked AS (
          UPDATE token.sessions SET revoked_at = now(), revoked_reason = 'refresh_token_reuse'
          WHERE id = \(family.sessionID) AND revoked_at IS NULL RETURNING id
      )
      INSERT INTO audit.events (action, actor_user_id, request_id, details)
      SELECT \(audit.action), \(audit.actorUserID), \(audit.requestID), \(audit.details)::jsonb FROM revoked
      """, logger: logger
    ).collect()
  }

  /// Spends the token if nobody has, with its successor, the session's last use and the audit row.
  struct Spend: PostgresPreparedStatement {
    static let sql = """
      WITH spent AS (
          UPDATE token.refresh_tokens SET used_at = now(), grace_result = $2, grace_key_version = $3
          WHERE id = $1 AND used_at IS NULL RETURNING session_id
      ), successor AS (
          INSERT INTO token.refresh_tokens (session_id, token_hash, parent_id, expires_at)
          SELECT session_id, $4, $1, now() + make_interval(secs => $5) FROM spent
      ), touched AS (
          UPDATE token.sessions SET last_used_at = now() WHERE id IN (SELECT session_id FROM spent)
      ), audited AS (
          INSERT INTO audit.events (action, actor_user_id, request_id, details)
          SELECT $6, $7, $8, $9::jsonb FROM spent
      )
      SELECT count(*)::int FROM spent
      """

    let tokenID: UUID
    let graceResult: ByteBuffer
    let graceKeyVersion: Int
    let nextHash: ByteBuffer
    let nextLifetime: Double
    let audit: AuditEvent

    func makeBindings() throws -> PostgresBindings {
      var bindings = PostgresBindings()
      bindings.append(tokenID)
      bindings.append(graceResult)
      bindings.append(graceKeyVersion)
      bindings.append(nextHash)
      bindings.append(nextLifetime)
      bindings.append(audit.action)
      bindings.append(audit.actorUserID)
      bindings.append(audit.requestID)
      bindings.append(audit.details)
      return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Int { try row.decode(Int.self) }
  }

  struct Found: Sendable {
    let family: Family
    let expired: Bool
    let used: Bool
    let usedSecondsAgo: Double?
    let grace: EncryptedValue?
    let sessionOver: Bool

    /// What the rules decide on.
    var facts: RefreshRules.Facts {
      let service = family.service
      let refusal: Problem?
      do {
        try service.requireOpen()
        refusal = nil
      } catch { refusal = error }
      return RefreshRules.Facts(
        sessionOver: sessionOver, used: used, expired: expired,
        withinGrace: used && grace != nil && (usedSecondsAgo ?? .infinity) < Double(service.refreshGraceSeconds),
        accountMayRefresh: family.userActive && family.membershipStatus == "active", isMember: family.member != nil,
        serviceSlug: service.slug, serviceRefusal: refusal, allowedOrigins: service.allowedOrigins)
    }
  }

  func read(_ hash: ByteBuffer) async throws -> Found? {
    for try await found in try await postgres.execute(ReadToken(hash: hash), logger: logger) { return found }
    return nil
  }

  /// Prepared once per connection: planning this five-table join on every rotation cost
  /// PostgreSQL more than running it (perf under `make bench`).
  struct ReadToken: PostgresPreparedStatement {
    static let sql = """
      SELECT rt.id, rt.session_id, rt.expires_at < now(), rt.used_at IS NOT NULL,
             EXTRACT(EPOCH FROM now() - rt.used_at)::float8, rt.grace_result, rt.grace_key_version,
             s.revoked_at IS NOT NULL OR s.expires_at < now()
                 OR s.last_used_at < now() - make_interval(secs => sv.session_idle_timeout_seconds),
             s.client_type, s.remember_me,
             u.id, u.username, u.email, u.first_name, u.last_name, u.is_active, u.token_version,
             m.role, m.status, \(ServiceRecord.columns(of: "sv")), u.platform_role, u.mfa_enabled, s.mfa_at, s.auth_method,
             s.scopes, m.scopes, m.permissions
      FROM token.refresh_tokens rt
      JOIN token.sessions s ON s.id = rt.session_id
      JOIN token.services sv ON sv.id = s.service_id
      JOIN token.users u ON u.id = s.user_id
      LEFT JOIN LATERAL token.membership(s.service_id, s.user_id) m ON true
      WHERE rt.token_hash = $1
      """

    let hash: ByteBuffer

    func makeBindings() throws -> PostgresBindings {
      var bindings = PostgresBindings()
      bindings.append(hash)
      return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Found {
      let c = row.makeRandomAccess()
      let first = try c[13].decode(String.self)
      let last = try c[14].decode(String.self)
      let graceBytes = try c[5].decode(ByteBuffer?.self)
      let graceVersion = try c[6].decode(Int?.self)
      let family = Family(
        tokenID: try c[0].decode(UUID.self), sessionID: try c[1].decode(UUID.self),
        service: try ServiceRecord(c, from: 19),
        clientType: ClientType(rawValue: try c[8].decode(String.self)) ?? .mobile,
        rememberMe: try c[9].decode(Bool.self),
        user: UserSummary(
          id: try c[10].decode(UUID.self), username: try c[11].decode(String.self),
          email: try c[12].decode(String.self),
          fullName: UserSummary.fullName(first: first, last: last)),
        userActive: try c[15].decode(Bool.self), tokenVersion: try c[16].decode(Int.self),
        member: try c[17].decode(String?.self).map { role in
          MemberGrant(
            role: role, scopes: try c[24 + ServiceRecord.columnCount].decode([String]?.self) ?? [],
            permissions: try c[25 + ServiceRecord.columnCount].decode([String]?.self) ?? [])
        },
        membershipStatus: try c[18].decode(String?.self),
        platformRole: try c[19 + ServiceRecord.columnCount].decode(String.self),
        mfa: SessionMFA(
          enabled: try c[20 + ServiceRecord.columnCount].decode(Bool.self),
          verifiedAt: try c[21 + ServiceRecord.columnCount].decode(Date?.self),
          method: try c[22 + ServiceRecord.columnCount].decode(String.self)),
        scopes: try c[23 + ServiceRecord.columnCount].decode([String]?.self))
      return Found(
        family: family, expired: try c[2].decode(Bool.self), used: try c[3].decode(Bool.self),
        usedSecondsAgo: try c[4].decode(Double?.self),
        grace: graceBytes.flatMap { bytes in graceVersion.map { EncryptedValue(keyVersion: $0, sealed: Array(bytes.readableBytesView)) } },
        sessionOver: try c[7].decode(Bool.self))
    }
  }
}

extension RefreshStore {
  /// A refresh token as introspection and revocation see it.
  struct Held: Sendable {
    let sessionID: UUID
    let serviceID: UUID
    let serviceSlug: String
    let clientID: String
    let userID: UUID
    let username: String
    let issuedAt: Date
    let expiresAt: Date
    /// Not spent, not expired, its session open.
    let usable: Bool
  }

  func held(token: String) async throws -> Held? {
    let hash = Self.hash(token)
    let rows = try await postgres.query(
      """
      SELECT s.id, sv.id, sv.slug, sv.client_id, u.id, u.username, rt.created_at, rt.expires_at,
             rt.used_at IS NULL AND rt.expires_at > now() AND s.revoked_at IS NULL AND s.expires_at > now()
                 AND s.last_used_at >= now() - make_interval(secs => sv.session_idle_timeout_seconds) AND u.is_active
      FROM token.refresh_tokens rt
      JOIN token.sessions s ON s.id = rt.session_id
      JOIN token.services sv ON sv.id = s.service_id
      JOIN token.users u ON u.id = s.user_id
      WHERE rt.token_hash = \(hash)
      """, logger: logger)
    for try await (session, serviceID, slug, clientID, user, username, issued, expires, usable)
      in rows.decode((UUID, UUID, String, String, UUID, String, Date, Date, Bool).self)
    {
      return Held(
        sessionID: session, serviceID: serviceID, serviceSlug: slug, clientID: clientID, userID: user,
        username: username, issuedAt: issued, expiresAt: expires, usable: usable)
    }
    return nil
  }
}
