import Foundation
import Logging
import PostgresNIO
import Shared

/// `token.users` and `token.memberships`.
struct AccountStore: Sendable {
  let postgres: Database
  let logger: Logger

  /// Creates the user and their membership of `service` (role `user`), with the audit row, in
  /// one transaction. A taken username or e-mail (any case) is a 409; the unique indexes decide,
  /// so two registrations racing for one name cannot both succeed.
  /// With `mail`, the address's verification mail is queued in the same transaction; the
  /// returned job is dispatched after the commit.
  /// How an account comes to be beyond the person registering: an admin made it (`createdBy`,
  /// audited as `USER_CREATED` by them), it joins with another role than `user`, an invitation
  /// it spends (whose mail proved the address), and the agreements it accepted (kind to version).
  struct Origin: Sendable {
    var role = "user"
    var createdBy: UUID?
    var invitation: UUID?
    var agreements: [String: String] = [:]
  }

  func register(
    _ account: NewAccount, passwordHash: String, service: ServiceRecord, client: ClientInfo,
    requestID: String?, mail: MailOutbox?, origin: Origin = Origin()
  ) async throws -> (UserSummary, OutboxJob?) {
    do {
      return try await postgres.transaction(logger: logger) { connection in
        let rows = try await connection.query(
          """
          INSERT INTO token.users (username, username_key, email, password_hash, first_name, last_name, preferred_language,
                                   marketing_consent, email_verified)
          VALUES (\(account.username), \(Username.key(account.username)), \(account.email),
              \(passwordHash), \(account.firstName), \(account.lastName),
                  \(account.preferredLanguage), \(account.marketingConsent), \(origin.invitation != nil))
          RETURNING id
          """, logger: logger)
        var created: UUID?
        for try await id in rows.decode(UUID.self) { created = id }
        guard let id = created else { throw Problem.internalError() }
        try await connection.scope(toService: service.id, logger: logger)
        _ = try await connection.query(
          "INSERT INTO token.memberships (service_id, user_id, role) VALUES (\(service.id), \(id), \(origin.role))",
          logger: logger
        ).collect()
        if let invitation = origin.invitation {
          guard try await InvitationStore.accept(invitation, by: id, on: connection, logger: logger) else {
            throw RecoveryProblems.linkUsed.problem("This invitation was accepted already.")
          }
        }
        if let admin = origin.createdBy {
          try await AuditEvent(
            action: "USER_CREATED", actorUserID: admin, serviceID: service.id, requestID: requestID, client: client,
            details: ["user_id": id.uuidString.lowercased(), "username": account.username, "role": origin.role]
          ).insert(on: connection, logger: logger)
        } else {
          try await AuditEvent(
            action: "USER_REGISTERED", actorUserID: id, serviceID: service.id, requestID: requestID,
            client: client,
            details: ["username": account.username, "ip": client.ip ?? "", "invitation": origin.invitation?.uuidString.lowercased()]
              .compactMapValues { $0 }
          ).insert(on: connection, logger: logger)
        }
        for (kind, version) in origin.agreements.sorted(by: { $0.key < $1.key }) {
          _ = try await AgreementStore.change(userID: id, kind: kind, version: version, accepted: true, on: connection, logger: logger)
        }
        // An invitation's mail proved the address already.
        let job =
          origin.invitation != nil
          ? nil
          : try await mail?.add(
            AccountMailJob(kind: .verifyEmail, userID: id, email: account.email, serviceID: service.id, requestID: requestID),
            on: connection)
        let fullName = UserSummary.fullName(first: account.firstName, last: account.lastName)
        return (UserSummary(id: id, username: account.username, email: account.email, fullName: fullName), job)
      }
    } catch let error as PSQLError {
      throw Self.conflict(from: error) ?? error
    }
  }

  static func conflict(from error: PSQLError) -> Problem? {
    guard error.serverInfo?[.sqlState] == "23505" else { return nil }
    switch error.serverInfo?[.constraintName] {
    case "users_username_key_unique":
      return AccountProblems.usernameTaken.problem("That username is in use.", field: "username")
    case "users_email_unique":
      return AccountProblems.emailTaken.problem("That e-mail address is in use.", field: "email")
    default:
      return nil
    }
  }
}

extension AccountStore {
  /// What a password change left: how many other sessions ended, the user's new token version,
  /// and the current session's service and role (to sign its new access token).
  struct PasswordChangeOutcome: Sendable {
    let sessionsEnded: Int
    let tokenVersion: Int
    let serviceSlug: String
    let member: MemberGrant
    let mfa: SessionMFA
  }

  /// Sets the new hash, raises the token version (every access token issued so far stops
  /// verifying), ends every session but the current one and writes the audit row, in one
  /// transaction. Returns nil when the current session is no longer open.
  func changePassword(
    userID: UUID, keeping sessionID: UUID, newHash: String, client: ClientInfo,
    requestID: String?
  ) async throws -> PasswordChangeOutcome? {
    try await postgres.transaction(logger: logger) { connection in
      var current: (String, String, Bool, Date?, String, [String], [String])?
      for try await row in try await connection.query(
        """
        SELECT sv.slug, m.role, u.mfa_enabled, s.mfa_at, s.auth_method, m.scopes, m.permissions FROM token.sessions s
        JOIN token.services sv ON sv.id = s.service_id
        JOIN token.users u ON u.id = s.user_id
        JOIN LATERAL token.membership(s.service_id, s.user_id) m ON true
        WHERE s.id = \(sessionID) AND s.user_id = \(userID) AND s.revoked_at IS NULL AND s.expires_at > now()
        FOR UPDATE OF s
        """, logger: logger
      ).decode((String, String, Bool, Date?, String, [String], [String]).self) {
        current = row
      }
      guard let (slug, role, mfaEnabled, mfaAt, method, scopes, permissions) = current else { return nil }
      var version = 0
      for try await v in try await connection.query(
        """
        UPDATE token.users SET password_hash = \(newHash), token_version = token_version + 1, updated_at = now()
        WHERE id = \(userID) RETURNING token_version
        """, logger: logger
      ).decode(Int.self) {
        version = v
      }
      // Failures counted against the old password no longer say anything.
      _ = try await connection.query("DELETE FROM token.sign_in_throttles WHERE user_id = \(userID)", logger: logger).collect()
      let ended = try await connection.query(
        """
        UPDATE token.sessions SET revoked_at = now(), revoked_reason = 'password_changed'
        WHERE user_id = \(userID) AND id <> \(sessionID) AND revoked_at IS NULL RETURNING id
        """, logger: logger
      ).collect().count
      try await AuditEvent(
        action: "PASSWORD_CHANGED", actorUserID: userID, requestID: requestID,
        client: client, details: ["sessions_ended": String(ended), "ip": client.ip ?? ""]
      ).insert(on: connection, logger: logger)
      return PasswordChangeOutcome(
        sessionsEnded: ended, tokenVersion: version, serviceSlug: slug,
        member: MemberGrant(role: role, scopes: scopes, permissions: permissions),
        mfa: SessionMFA(enabled: mfaEnabled, verifiedAt: mfaAt, method: method))
    }
  }
}

extension AccountStore {
  /// A user with a platform role and no membership yet (`admin create-superuser`), with the audit row.
  func createPlatformUser(username: String, email: String, passwordHash: String, role: PlatformRole, requestID: String? = nil) async throws
    -> UUID
  {
    do {
      return try await postgres.transaction(logger: logger) { connection in
        var created: UUID?
        for try await id in try await connection.query(
          """
          INSERT INTO token.users (username, username_key, email, password_hash, platform_role, email_verified)
          VALUES (\(Username.normalised(username)), \(Username.key(username)), \(email),
              \(passwordHash), \(role.rawValue), true) RETURNING id
          """, logger: logger
        ).decode(UUID.self) {
          created = id
        }
        guard let id = created else { throw Problem.internalError() }
        try await AuditEvent(
          action: "PLATFORM_USER_CREATED", actorUserID: id, requestID: requestID,
          details: ["username": username, "platform_role": role.rawValue]
        ).insert(on: connection, logger: logger)
        return id
      }
    } catch let error as PSQLError {
      throw Self.conflict(from: error) ?? error
    }
  }

  /// Changes a user's platform role and raises their token version (their tokens carry the
  /// old role until they refresh), with the audit row. Returns the new token version, or nil
  /// when there is no such user.
  func setPlatformRole(username: String, role: PlatformRole, requestID: String? = nil) async throws -> (UUID, Int)? {
    try await postgres.transaction(logger: logger) { connection in
      var changed: (UUID, Int)?
      for try await row in try await connection.query(
        """
        UPDATE token.users SET platform_role = \(role.rawValue), token_version = token_version + 1, updated_at = now()
        WHERE username_key = \(Username.key(username)) RETURNING id, token_version
        """, logger: logger
      ).decode((UUID, Int).self) {
        changed = row
      }
      guard let (id, version) = changed else { return nil }
      try await AuditEvent(
        action: "ROLE_CHANGED", actorUserID: id, requestID: requestID,
        details: ["platform_role": role.rawValue]
      ).insert(on: connection, logger: logger)
      return (id, version)
    }
  }
}

extension AccountStore {
  /// An operator's new password for an account (`admin reset-password`): every session ends,
  /// the token version rises, lock-outs are forgotten, with the audit row. The user's id and new
  /// token version, or nil when no account has this username.
  func resetPassword(usernameKey: String, passwordHash: String) async throws -> (UUID, Int)? {
    try await postgres.transaction(logger: logger) { connection in
      var changed: (UUID, Int)?
      for try await row in try await connection.query(
        """
        UPDATE token.users SET password_hash = \(passwordHash), token_version = token_version + 1, updated_at = now()
        WHERE username_key = \(usernameKey) RETURNING id, token_version
        """, logger: logger
      ).decode((UUID, Int).self) {
        changed = row
      }
      guard let (userID, version) = changed else { return nil }
      let ended = try await Self.endEverySession(of: userID, reason: "password_reset", on: connection, logger: logger)
      try await AuditEvent(
        action: "PASSWORD_RESET_BY_OPERATOR", actorUserID: userID,
        details: ["sessions_ended": String(ended), "by": "token-service admin reset-password"]
      ).insert(on: connection, logger: logger)
      return (userID, version)
    }
  }
}

extension AccountStore {
  /// Every session and signed-in browser of the account ends, inside the caller's transaction
  /// (after a new password someone else may have known the old one, or an admin's sign-out).
  /// `clearingLockOuts`: the wrong-password lock-outs are forgotten too (a new password).
  /// Returns how many sessions ended.
  static func endEverySession(
    of userID: UUID, reason: String, clearingLockOuts: Bool = true, on connection: PostgresConnection, logger: Logger
  ) async throws -> Int {
    if clearingLockOuts {
      _ = try await connection.query("DELETE FROM token.sign_in_throttles WHERE user_id = \(userID)", logger: logger).collect()
    }
    _ = try await connection.query(
      """
      UPDATE token.browser_sessions SET revoked_at = now(), revoked_reason = \(reason)
      WHERE user_id = \(userID) AND revoked_at IS NULL
      """, logger: logger
    ).collect()
    return try await connection.query(
      """
      UPDATE token.sessions SET revoked_at = now(), revoked_reason = \(reason)
      WHERE user_id = \(userID) AND revoked_at IS NULL RETURNING id
      """, logger: logger
    ).collect().count
  }
}
