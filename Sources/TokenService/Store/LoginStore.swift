import Foundation
import Logging
import PostgresNIO
import Shared

/// The SQL of signing in: finding the account and opening a session (failures are
/// `SignInThrottleStore`'s).
struct LoginStore: Sendable {
  let postgres: Database
  let logger: Logger
  /// Each plan's monthly active users (docs/admin.md, "Plans and quotas").
  var plans = PlanLimits([:])

  struct Account: Sendable {
    let id: UUID
    let username: String
    let email: String
    let fullName: String
    let passwordHash: String?
    let isActive: Bool
    let tokenVersion: Int
    let platformRole: String
    let mfaEnabled: Bool
    let emailVerified: Bool
    /// A new address waiting for its link to be opened (the account still uses `email`).
    let pendingEmail: String?

    var summary: UserSummary { UserSummary(id: id, username: username, email: email, fullName: fullName) }
  }

  /// By username (as `Username.key` reads it) or e-mail, in any case.
  func account(username: String?, email: String?) async throws -> Account? {
    if let username { return try await account(where: "username_key = $1", Username.key(username)) }
    return try await account(where: "lower(email) = lower($1)", email ?? "")
  }

  func account(id: UUID) async throws -> Account? {
    try await account(where: "id = $1::uuid", id.uuidString)
  }

  /// The same inside the caller's transaction (no second connection while it holds a row lock).
  func account(id: UUID, on connection: PostgresConnection) async throws -> Account? {
    try await account(where: "id = $1::uuid", id.uuidString, on: connection)
  }

  private func account(where condition: String, _ value: String, on connection: PostgresConnection? = nil) async throws -> Account? {
    var binds = PostgresBindings()
    binds.append(value)
    let query = PostgresQuery(
      unsafeSQL: """
        SELECT id, username, email, first_name, last_name, password_hash, is_active, token_version, platform_role,
               mfa_enabled, email_verified, pending_email
        FROM token.users WHERE \(condition)
        """, binds: binds)
    if let connection { return try await Self.account(try await connection.query(query, logger: logger)) }
    return try await Self.account(try await postgres.query(query, logger: logger))
  }

  private static func account(_ rows: PostgresRowSequence) async throws -> Account? {
    for try await row in rows { return try account(row.makeRandomAccess()) }
    return nil
  }

  /// An account's twelve columns, read from the start of a row.
  private static func account(_ c: PostgresRandomAccessRow) throws -> Account {
    let first = try c[3].decode(String.self)
    let last = try c[4].decode(String.self)
    return Account(
      id: try c[0].decode(UUID.self), username: try c[1].decode(String.self), email: try c[2].decode(String.self),
      fullName: UserSummary.fullName(first: first, last: last),
      passwordHash: try c[5].decode(String?.self), isActive: try c[6].decode(Bool.self),
      tokenVersion: try c[7].decode(Int.self), platformRole: try c[8].decode(String.self), mfaEnabled: try c[9].decode(Bool.self),
      emailVerified: try c[10].decode(Bool.self), pendingEmail: try c[11].decode(String?.self))
  }

  /// The account and a service in one read (userinfo, on every OpenID round trip).
  func account(id: UUID, service slug: String) async throws -> (Account, ServiceRecord)? {
    let rows = try await postgres.query(
      """
      SELECT u.id, u.username, u.email, u.first_name, u.last_name, u.password_hash, u.is_active, u.token_version, u.platform_role,
             u.mfa_enabled, u.email_verified, u.pending_email, \(unescaped: ServiceRecord.columns(of: "s"))
      FROM token.users u, token.services s WHERE u.id = \(id) AND s.slug = \(slug)
      """, logger: logger)
    for try await row in rows {
      let c = row.makeRandomAccess()
      return (try Self.account(c), try ServiceRecord(c, from: 12))
    }
    return nil
  }

  struct Opened: Sendable {
    let sessionID: UUID
    let member: MemberGrant
    let refreshToken: String
    let refreshTTL: Int
    let mfa: SessionMFA
  }

  /// After the sign-in's proof, inside a transaction the caller holds (a password sign-in
  /// settles its claim in it, the MFA step spends its code in it): the membership (created on
  /// first sign-in when the service allows it), a session and its first refresh token, the audit
  /// row. `secondFactor` (`totp` or `backup_code`) marks the session as having passed MFA now;
  /// `method` is `password` or the social provider that vouched for the user. A session opened
  /// by exchanging an authorization code names its browser session, keeps the time that
  /// session passed MFA (`mfaPassedAt`) and the scopes granted (every refresh gives those).
  func open(
    account: Account, service: ServiceRecord, clientType: ClientType, rememberMe: Bool, secondFactor: String?,
    method: String, client: ClientInfo, requestID: String?, browserSessionID: UUID? = nil, mfaPassedAt: Date? = nil,
    scopes: [String]? = nil, on connection: PostgresConnection
  ) async throws -> Opened {
    let refreshToken = Base64URL.encode(SecureRandom.bytes(32))
    let refreshHash = RefreshStore.hash(refreshToken)
    let refreshTTL = min(rememberMe ? service.rememberMeTTL : service.refreshTokenTTL, service.sessionLifetime)
    try await connection.scope(toService: service.id, logger: logger)
    let member = try await signIn(account: account, to: service, on: connection)
    try await UsageStore.countActive(
      userID: account.id, service: service, limit: plans.limit(service.plan), on: connection, logger: logger)
    let ip = client.ip
    var sessionID: UUID?
    var mfaAt: Date?
    for try await (id, passedAt) in try await connection.query(
      """
      INSERT INTO token.sessions
        (user_id, service_id, client_type, remember_me, ip, user_agent, expires_at, mfa_at, auth_method, browser_session_id, scopes)
      VALUES (\(account.id), \(service.id), \(clientType.rawValue), \(rememberMe), \(ip)::inet, \(client.userAgent),
              now() + make_interval(secs => \(Double(service.sessionLifetime))),
              COALESCE(\(mfaPassedAt), CASE WHEN \(secondFactor != nil) THEN now() END), \(method), \(browserSessionID), \(scopes))
      RETURNING id, mfa_at
      """, logger: logger
    ).decode((UUID, Date?).self) {
      sessionID = id
      mfaAt = passedAt
    }
    guard let sessionID else { throw Problem.internalError() }
    _ = try await connection.query(
      """
      INSERT INTO token.refresh_tokens (session_id, token_hash, expires_at)
      VALUES (\(sessionID), \(refreshHash), now() + make_interval(secs => \(Double(refreshTTL))))
      """, logger: logger
    ).collect()
    var details = [
      "session_id": sessionID.uuidString.lowercased(), "client_type": clientType.rawValue, "ip": client.ip ?? "",
      "mfa": secondFactor ?? (mfaPassedAt == nil ? "none" : "browser_session"), "method": method,
    ]
    details["browser_session_id"] = browserSessionID?.uuidString.lowercased()
    try await AuditEvent(
      action: "USER_LOGIN", actorUserID: account.id, serviceID: service.id, requestID: requestID, client: client, details: details
    ).insert(on: connection, logger: logger)
    // The session an authorization code opens is no sign-in of its own: the browser's was.
    if browserSessionID == nil { SecurityCounters.signIn(outcome: "success", method: method) }
    return Opened(
      sessionID: sessionID, member: member, refreshToken: refreshToken, refreshTTL: refreshTTL,
      mfa: SessionMFA(enabled: account.mfaEnabled, verifiedAt: mfaAt, method: method))
  }

  /// The account's role and grants in the service, its membership created first when the
  /// service lets anyone join, and its last sign-in noted; refused when it is not an active member.
  private func signIn(account: Account, to service: ServiceRecord, on connection: PostgresConnection) async throws -> MemberGrant {
    var membership: (grant: MemberGrant, status: String)?
    for try await (role, status, scopes, permissions) in try await connection.query(
      """
      SELECT role, status, scopes, permissions FROM token.memberships
      WHERE service_id = \(service.id) AND user_id = \(account.id) FOR UPDATE
      """,
      logger: logger
    ).decode((String, String, [String], [String]).self) {
      membership = (MemberGrant(role: role, scopes: scopes, permissions: permissions), status)
    }
    if membership == nil {
      guard service.autoCreateUser else {
        throw SignInProblems.accessDenied.problem("This account is not a member of \(service.slug).")
      }
      _ = try await connection.query(
        "INSERT INTO token.memberships (service_id, user_id) VALUES (\(service.id), \(account.id))", logger: logger
      ).collect()
      membership = (MemberGrant(role: "user"), "active")
    }
    guard let membership, membership.status == "active" else {
      throw SignInProblems.accessDenied.problem("This account's membership of \(service.slug) is not active.")
    }
    _ = try await connection.query(
      "UPDATE token.memberships SET last_login_at = now() WHERE service_id = \(service.id) AND user_id = \(account.id)",
      logger: logger
    ).collect()
    return membership.grant
  }
}
