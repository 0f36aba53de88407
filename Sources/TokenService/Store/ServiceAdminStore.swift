import Crypto
import Foundation
import Logging
import PostgresNIO
import Shared

/// The SQL of the services admin API: every change in one transaction with its audit row.
struct ServiceAdminStore: Sendable {
  let postgres: Database
  let logger: Logger

  static let viewColumns = """
    id, slug, name, type, status, allowed_origins, redirect_uris, social_providers, allowed_client_types,
    access_token_ttl_seconds, refresh_token_ttl_seconds, session_idle_timeout_seconds, session_absolute_lifetime_seconds,
    auto_create_user, require_email_verification, client_id, owner_user_id, created_at, updated_at, deleted_at,
    require_admin_mfa, public_client, first_party, post_logout_redirect_uris, logo_url, pairwise_subjects, scopes,
    refresh_without_offline_access, require_mfa, plan, scope_descriptions_ko, scope_descriptions_en, default_scopes,
    required_scopes
    """

  static func view(_ row: PostgresRow) throws -> ServiceView {
    let c = row.makeRandomAccess()
    var view = ServiceView(
      id: try c[0].decode(UUID.self).uuidString.lowercased(), slug: try c[1].decode(String.self), name: try c[2].decode(String.self),
      type: try c[3].decode(String.self), status: try c[4].decode(String.self), allowedOrigins: try c[5].decode([String].self),
      redirectURIs: try c[6].decode([String].self), socialProviders: try c[7].decode([String].self),
      allowedClientTypes: try c[8].decode([String].self), accessTokenTTLSeconds: try c[9].decode(Int.self),
      refreshTokenTTLSeconds: try c[10].decode(Int.self), sessionIdleTimeoutSeconds: try c[11].decode(Int.self),
      sessionAbsoluteLifetimeSeconds: try c[12].decode(Int.self), autoCreateUser: try c[13].decode(Bool.self),
      requireEmailVerification: try c[14].decode(Bool.self), requireAdminMFA: try c[20].decode(Bool.self),
      clientID: try c[15].decode(String.self),
      ownerUserID: try c[16].decode(UUID?.self)?.uuidString.lowercased(), createdAt: try c[17].decode(Date.self),
      updatedAt: try c[18].decode(Date.self), deletedAt: try c[19].decode(Date?.self))
    view.publicClient = try c[21].decode(Bool.self)
    view.firstParty = try c[22].decode(Bool.self)
    view.postLogoutRedirectURIs = try c[23].decode([String].self)
    view.logoURL = try c[24].decode(String?.self)
    view.pairwiseSubjects = try c[25].decode(Bool.self)
    view.scopes = try c[26].decode([String].self)
    view.refreshWithoutOfflineAccess = try c[27].decode(Bool.self)
    view.requireMFA = try c[28].decode(Bool.self)
    view.plan = ServicePlan(rawValue: try c[29].decode(String.self)) ?? .free
    view.scopeCatalogue = ScopeCatalogueRules.catalogue(
      names: view.scopes, ko: try c[30].decode([String].self), en: try c[31].decode([String].self),
      defaults: try c[32].decode([String].self), required: try c[33].decode([String].self))
    return view
  }

  /// A service that is not deleted, with its owner.
  func find(slug: String) async throws -> ServiceView? {
    let rows = try await postgres.query(
      PostgresQuery(
        unsafeSQL: """
          SELECT \(Self.viewColumns) FROM token.services WHERE slug = $1 AND deleted_at IS NULL
          """, binds: try Self.binds(slug)), logger: logger)
    for try await row in rows { return try Self.view(row) }
    return nil
  }

  /// Every service not deleted, or those `owner` owns.
  func list(owner: UUID?) async throws -> [ServiceView] {
    var binds = PostgresBindings()
    binds.append(owner)
    let rows = try await postgres.query(
      PostgresQuery(
        unsafeSQL: """
          SELECT \(Self.viewColumns) FROM token.services
          WHERE deleted_at IS NULL AND ($1::uuid IS NULL OR owner_user_id = $1::uuid) ORDER BY slug
          """, binds: binds), logger: logger)
    var services: [ServiceView] = []
    for try await row in rows { services.append(try Self.view(row)) }
    return services
  }

  /// Inserts the service with the fields given (the rest take the table's defaults). Returns
  /// nil when the slug is taken.
  func create(_ settings: ServiceSettingsBody, actor: UUID, requestID: String?) async throws -> ServiceCreated? {
    let clientID = "gh_" + SecureRandom.hex(bytes: 12)
    let secret = Base64URL.encode(SecureRandom.bytes(32))
    var (names, binds) = try ServiceSettingsRules.columns(settings)
    names += ["client_id", "client_secret_hash"]
    binds.append(clientID)
    binds.append(ByteBuffer(bytes: SHA256.hash(data: Array(secret.utf8))))
    let placeholders = (1...names.count).map { "$\($0)" }.joined(separator: ", ")
    return try await postgres.transaction(logger: logger) { connection in
      let rows = try await connection.query(
        PostgresQuery(
          unsafeSQL: """
            INSERT INTO token.services (\(names.joined(separator: ", "))) VALUES (\(placeholders))
            ON CONFLICT (slug) DO NOTHING RETURNING \(Self.viewColumns)
            """, binds: binds), logger: logger)
      var created: ServiceView?
      for try await row in rows { created = try Self.view(row) }
      guard let created else { return nil }
      try await AuditEvent(
        action: "SERVICE_CREATED", actorUserID: actor, serviceID: UUID(uuidString: created.id), requestID: requestID,
        details: ["slug": created.slug, "client_id": clientID]
      ).insert(on: connection, logger: logger)
      return ServiceCreated(service: created, clientSecret: secret)
    }
  }

  /// Writes the fields given. Returns the service as it is now.
  func update(id: UUID, _ settings: ServiceSettingsBody, actor: UUID, requestID: String?) async throws -> ServiceView? {
    var (names, binds) = try ServiceSettingsRules.columns(settings)
    let assignments = names.enumerated().map { "\($1) = $\($0 + 1)" } + ["updated_at = now()"]
    binds.append(id)
    return try await postgres.transaction(logger: logger) { connection in
      let rows = try await connection.query(
        PostgresQuery(
          unsafeSQL: """
            UPDATE token.services SET \(assignments.joined(separator: ", ")) WHERE id = $\(names.count + 1) AND deleted_at IS NULL
            RETURNING \(Self.viewColumns)
            """, binds: binds), logger: logger)
      var updated: ServiceView?
      for try await row in rows { updated = try Self.view(row) }
      guard let updated else { return nil }
      try await AuditEvent(
        action: "SERVICE_UPDATED", actorUserID: actor, serviceID: id, requestID: requestID,
        details: ["fields": names.joined(separator: ",")]
      ).insert(on: connection, logger: logger)
      return updated
    }
  }

  /// A soft delete: the row and its data stay; tokens for it stop verifying and nobody signs in.
  func delete(id: UUID, actor: UUID, requestID: String?) async throws -> ServiceView? {
    try await postgres.transaction(logger: logger) { connection in
      let rows = try await connection.query(
        PostgresQuery(
          unsafeSQL: """
            UPDATE token.services SET deleted_at = now(), updated_at = now() WHERE id = $1 AND deleted_at IS NULL
            RETURNING \(Self.viewColumns)
            """, binds: try Self.binds(id)), logger: logger)
      var deleted: ServiceView?
      for try await row in rows { deleted = try Self.view(row) }
      guard let deleted else { return nil }
      try await AuditEvent(
        action: "SERVICE_DELETED", actorUserID: actor, serviceID: id, requestID: requestID,
        details: ["slug": deleted.slug]
      ).insert(on: connection, logger: logger)
      return deleted
    }
  }

  /// A new secret, and a new secret version: the service's tokens got with the old secret carry
  /// the old version, and migration 010's trigger records their revocation in this transaction.
  /// Returns the credentials and the new version.
  func rotateSecret(id: UUID, clientID: String, actor: UUID, requestID: String?) async throws -> (ServiceCredentials, Int) {
    let secret = Base64URL.encode(SecureRandom.bytes(32))
    let hash = ByteBuffer(bytes: SHA256.hash(data: Array(secret.utf8)))
    let version = try await postgres.transaction(logger: logger) { connection in
      var version = 0
      for try await raised in try await connection.query(
        """
        UPDATE token.services SET client_secret_hash = \(hash), secret_version = secret_version + 1, updated_at = now()
        WHERE id = \(id) RETURNING secret_version
        """, logger: logger
      ).decode(Int.self) {
        version = raised
      }
      try await AuditEvent(
        action: "SERVICE_CREDENTIALS_ROTATED", actorUserID: actor, serviceID: id, clientID: clientID, requestID: requestID,
        details: ["secret_version": String(version)]
      ).insert(on: connection, logger: logger)
      return version
    }
    return (ServiceCredentials(clientID: clientID, clientSecret: secret), version)
  }

  /// Members, newest first, filtered by role and status; the cursor is the last row's join
  /// instant (microseconds) and user id.
  func members(serviceID: UUID, query: MemberQuery) async throws -> MemberList {
    var after: (Int64, UUID)?
    if let cursor = query.cursor {
      let parts = cursor.split(separator: "_")
      guard parts.count == 2, let micros = Int64(parts[0]), let id = UUID(uuidString: String(parts[1])) else {
        throw RequestProblems.invalidField.problem("cursor is not one this API gave out.", field: "cursor")
      }
      after = (micros, id)
    }
    return try await postgres.transaction(logger: logger) { connection in
      try await connection.scope(toService: serviceID, logger: logger)
      let rows = try await connection.query(
        """
        SELECT u.id, u.username, u.email, m.role, m.status, m.created_at, m.last_login_at,
               (EXTRACT(EPOCH FROM m.created_at) * 1000000)::int8, m.scopes, m.permissions
        FROM token.memberships m JOIN token.users u ON u.id = m.user_id
        WHERE m.service_id = \(serviceID)
          AND (\(query.role)::text IS NULL OR m.role = \(query.role))
          AND (\(query.status)::text IS NULL OR m.status = \(query.status))
          AND (\(after == nil) OR ((EXTRACT(EPOCH FROM m.created_at) * 1000000)::int8, u.id)
              < (\(after?.0 ?? 0), \(after?.1 ?? SecureRandom.uuid())))
        ORDER BY m.created_at DESC, u.id DESC LIMIT \(query.limit + 1)
        """, logger: logger)
      var members: [(MemberView, String)] = []
      for try await (id, username, email, role, status, joined, last, micros, scopes, permissions) in rows.decode(
        (UUID, String, String, String, String, Date, Date?, Int64, [String], [String]).self)
      {
        var member = MemberView(
          userID: id.uuidString.lowercased(), username: username, email: email, role: role, status: status, joinedAt: joined,
          lastLoginAt: last)
        member.scopes = scopes
        member.permissions = permissions
        members.append((member, "\(micros)_\(id.uuidString.lowercased())"))
      }
      let page = Array(members.prefix(query.limit))
      return MemberList(users: page.map(\.0), nextCursor: members.count > query.limit ? page.last?.1 : nil)
    }
  }

  /// Changes a member's role or status and raises the user's token version, so the access
  /// tokens they hold stop verifying and the next refresh carries the change. Returns the
  /// member and the new version, or nil when they are not a member.
  func updateMember(serviceID: UUID, userID: UUID, _ changes: MemberChanges, actor: UUID, requestID: String?) async throws -> (
    MemberView, Int
  )? {
    try await postgres.transaction(logger: logger) { connection in
      try await connection.scope(toService: serviceID, logger: logger)
      var before: (String, String)?
      for try await row in try await connection.query(
        """
        SELECT role, status FROM token.memberships WHERE service_id = \(serviceID) AND user_id = \(userID) FOR UPDATE
        """, logger: logger
      ).decode((String, String).self) {
        before = row
      }
      guard let (oldRole, oldStatus) = before else { return nil }
      _ = try await connection.query(
        """
        UPDATE token.memberships SET role = COALESCE(\(changes.role), role), status = COALESCE(\(changes.status), status),
            scopes = COALESCE(\(changes.scopes), scopes), permissions = COALESCE(\(changes.permissions), permissions)
        WHERE service_id = \(serviceID) AND user_id = \(userID)
        """, logger: logger
      ).collect()
      var version = 0
      for try await v in try await connection.query(
        "UPDATE token.users SET token_version = token_version + 1 WHERE id = \(userID) RETURNING token_version", logger: logger
      ).decode(Int.self) {
        version = v
      }
      try await AuditEvent(
        action: "ROLE_CHANGED", actorUserID: actor, serviceID: serviceID, requestID: requestID,
        details: [
          "user_id": userID.uuidString.lowercased(), "role": "\(oldRole) -> \(changes.role ?? oldRole)",
          "status": "\(oldStatus) -> \(changes.status ?? oldStatus)",
          "scopes": changes.scopes?.joined(separator: " ") ?? "unchanged",
          "permissions": changes.permissions?.joined(separator: " ") ?? "unchanged",
        ]
      ).insert(on: connection, logger: logger)
      guard let member = try await MemberStore.member(serviceID: serviceID, userID: userID, on: connection, logger: logger) else {
        throw Problem.internalError()
      }
      return (member, version)
    }
  }

  /// Slugs whose tokens must not verify: deleted, or not active.
  func closedSlugs() async throws -> [String] {
    let rows = try await postgres.query(
      "SELECT slug FROM token.services WHERE deleted_at IS NOT NULL OR status <> 'active' ORDER BY slug", logger: logger)
    var slugs: [String] = []
    for try await slug in rows.decode(String.self) { slugs.append(slug) }
    return slugs
  }

  private static func binds(_ value: some PostgresEncodable) throws -> PostgresBindings {
    var binds = PostgresBindings()
    try binds.append(value)
    return binds
  }
}

extension ServiceAdminStore {
  /// Members and sign-ins (sessions opened) of one service, in one transaction scoped to it.
  func stats(serviceID: UUID) async throws -> ServiceStats {
    try await postgres.transaction(logger: logger) { connection in
      try await connection.scope(toService: serviceID, logger: logger)
      let rows = try await connection.query(
        """
        WITH periods AS (
            SELECT date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS today,
                   date_trunc('week', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS week,
                   date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS month
        )
        SELECT (SELECT count(*)::int FROM token.memberships),
               (SELECT count(*)::int FROM token.memberships WHERE status = 'active'),
               (SELECT count(*)::int FROM token.memberships, periods WHERE created_at >= today),
               (SELECT count(*)::int FROM token.memberships, periods WHERE created_at >= week),
               (SELECT count(*)::int FROM token.memberships, periods WHERE created_at >= month),
               (SELECT count(*)::int FROM token.sessions, periods WHERE service_id = \(serviceID) AND created_at >= today),
               (SELECT count(*)::int FROM token.sessions, periods WHERE service_id = \(serviceID) AND created_at >= week),
               (SELECT count(*)::int FROM token.sessions, periods WHERE service_id = \(serviceID) AND created_at >= month)
        """, logger: logger)
      var counts: (Int, Int, Int, Int, Int, Int, Int, Int)?
      for try await row in rows.decode((Int, Int, Int, Int, Int, Int, Int, Int).self) { counts = row }
      guard let (total, active, newToday, newWeek, newMonth, loginsToday, loginsWeek, loginsMonth) = counts else {
        throw Problem.internalError()
      }
      // How this month's sessions were opened: `password` or the social provider that vouched.
      var popular: [ProviderCount] = []
      for try await (method, logins) in try await connection.query(
        """
        SELECT auth_method, count(*)::int FROM token.sessions
        WHERE service_id = \(serviceID) AND created_at >= date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
        GROUP BY auth_method ORDER BY count(*) DESC, auth_method
        """, logger: logger
      ).decode((String, Int).self) {
        popular.append(ProviderCount(provider: method, logins: logins))
      }
      var stats = ServiceStats(
        totalUsers: total, activeUsers: active, newUsersToday: newToday, newUsersThisWeek: newWeek,
        newUsersThisMonth: newMonth, loginCountToday: loginsToday, loginCountThisWeek: loginsWeek,
        loginCountThisMonth: loginsMonth, popularProviders: popular)
      stats.daily = try await Self.days(serviceID: serviceID, on: connection, logger: logger)
      stats.monthlyActiveUsers = try await UsageStore.activeThisMonth(serviceID: serviceID, on: connection, logger: logger)
      return stats
    }
  }

  /// Sign-ins and new members per UTC day over the last 14 days, each counted in one pass.
  private static func days(serviceID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> [ServiceDay] {
    let rows = try await connection.query(
      """
      WITH first AS (SELECT date_trunc('day', now() AT TIME ZONE 'UTC') - interval '13 days' AS day),
           days AS (SELECT generate_series(first.day, first.day + interval '13 days', interval '1 day') AS day FROM first),
           joined AS (SELECT date_trunc('day', created_at AT TIME ZONE 'UTC') AS day, count(*)::int AS n FROM token.memberships, first
                      WHERE created_at >= first.day AT TIME ZONE 'UTC' GROUP BY 1),
           signed AS (SELECT date_trunc('day', created_at AT TIME ZONE 'UTC') AS day, count(*)::int AS n FROM token.sessions, first
                      WHERE service_id = \(serviceID) AND created_at >= first.day AT TIME ZONE 'UTC' GROUP BY 1)
      SELECT to_char(days.day, 'YYYY-MM-DD'), coalesce(signed.n, 0), coalesce(joined.n, 0)
      FROM days LEFT JOIN signed USING (day) LEFT JOIN joined USING (day) ORDER BY days.day
      """, logger: logger)
    var days: [ServiceDay] = []
    for try await (date, signIns, newUsers) in rows.decode((String, Int, Int).self) {
      days.append(ServiceDay(date: date, signIns: signIns, newUsers: newUsers))
    }
    return days
  }
}
