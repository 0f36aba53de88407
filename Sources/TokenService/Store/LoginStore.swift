import Crypto
import Foundation
import Logging
import PostgresNIO
import Shared

/// The SQL of signing in: finding the account, counting failures, opening a session.
struct LoginStore: Sendable {
    let postgres: Database
    let logger: Logger

    struct Account: Sendable {
        let id: UUID
        let username: String
        let email: String
        let fullName: String
        let passwordHash: String?
        let isActive: Bool
        let tokenVersion: Int
        let lockedUntil: Date?
        let platformRole: String
        let mfaEnabled: Bool

        var summary: UserSummary { UserSummary(id: id, username: username, email: email, fullName: fullName) }
    }

    /// By username or e-mail, in any case.
    func account(username: String?, email: String?) async throws -> Account? {
        if let username { return try await account(where: "lower(username) = lower($1)", username) }
        return try await account(where: "lower(email) = lower($1)", email ?? "")
    }

    func account(id: UUID) async throws -> Account? {
        try await account(where: "id = $1::uuid", id.uuidString)
    }

    private func account(where condition: String, _ value: String) async throws -> Account? {
        var binds = PostgresBindings()
        binds.append(value)
        let rows = try await postgres.query(PostgresQuery(unsafeSQL: """
            SELECT id, username, email, first_name, last_name, password_hash, is_active, token_version, locked_until, platform_role,
                   mfa_enabled
            FROM token.users WHERE \(condition)
            """, binds: binds), logger: logger)
        for try await row in rows {
            let c = row.makeRandomAccess()
            let first = try c[3].decode(String.self), last = try c[4].decode(String.self)
            return Account(
                id: try c[0].decode(UUID.self), username: try c[1].decode(String.self), email: try c[2].decode(String.self),
                fullName: UserSummary.fullName(first: first, last: last),
                passwordHash: try c[5].decode(String?.self), isActive: try c[6].decode(Bool.self),
                tokenVersion: try c[7].decode(Int.self), lockedUntil: try c[8].decode(Date?.self), platformRole: try c[9].decode(String.self),
                mfaEnabled: try c[10].decode(Bool.self))
        }
        return nil
    }

    /// A signed-in user proving it is them again (changing the password, starting MFA
    /// enrolment): a wrong password counts towards the same lock-out as sign-ins, so a stolen
    /// access token cannot be used to guess it.
    /// `serviceID` (for the audit row) is looked up only when the password is wrong.
    func checkCurrentPassword(_ password: String, against hash: String, hasher: PasswordHasher, userID: UUID,
                              serviceID: () async throws -> UUID?, client: ClientInfo, requestID: String?) async throws {
        guard try await hasher.verify(password, against: hash) else {
            if let lockedUntil = try await recordFailure(userID: userID, serviceID: try await serviceID(), client: client, requestID: requestID) {
                throw Login.locked(until: lockedUntil)
            }
            throw Problem(status: 403, code: "invalid_current_password", title: "Wrong password",
                          detail: "current_password is not this account's password.", field: "current_password")
        }
    }

    /// The fifth wrong password within 30 minutes locks the account for 30 minutes.
    static let lockOut = FailureLockOut(limit: 5, windowMinutes: 30, lockMinutes: 30,
                                        failures: "failed_logins", firstFailedAt: "first_failed_at", lockedUntil: "locked_until")

    /// Counts a wrong password (`lockOut`). Returns the lock's end, if locked.
    func recordFailure(userID: UUID, serviceID: UUID?, client: ClientInfo, requestID: String?) async throws -> Date? {
        try await postgres.transaction(logger: logger) { connection in
            let rows = try await connection.query("""
                UPDATE token.users SET \(unescaped: Self.lockOut.countFailure)
                WHERE id = \(userID)
                RETURNING failed_logins, \(unescaped: Self.lockOut.activeLock)
                """, logger: logger)
            var lockedUntil: Date?
            var failures = 0
            for try await (count, until) in rows.decode((Int, Date?).self) {
                failures = count
                lockedUntil = until
            }
            try await AuditEvent(
                action: "USER_LOGIN_FAILED", actorUserID: userID, serviceID: serviceID, requestID: requestID,
                details: ["ip": client.ip ?? "", "failures": String(failures), "locked": lockedUntil == nil ? "no" : "yes"]
            ).insert(on: connection, logger: logger)
            return lockedUntil
        }
    }

    struct Opened: Sendable {
        let sessionID: UUID
        let role: String
        let refreshToken: String
        let refreshTTL: Int
        let mfa: SessionMFA
    }

    /// After the password matched: the membership (created on first sign-in when the service
    /// allows it), a session and its first refresh token, failures reset, the audit row — one
    /// transaction.
    func open(account: Account, service: ServiceRecord, clientType: ClientType, rememberMe: Bool,
              client: ClientInfo, requestID: String?) async throws -> Opened {
        try await postgres.transaction(logger: logger) { connection in
            try await open(account: account, service: service, clientType: clientType, rememberMe: rememberMe, secondFactor: nil,
                           method: "password", client: client, requestID: requestID, on: connection)
        }
    }

    /// The same, inside a transaction the caller holds (the MFA step spends its code in it too).
    /// `secondFactor` (`totp` or `backup_code`) marks the session as having passed MFA now;
    /// `method` is `password` or the social provider that vouched for the user.
    func open(account: Account, service: ServiceRecord, clientType: ClientType, rememberMe: Bool, secondFactor: String?,
              method: String, client: ClientInfo, requestID: String?, on connection: PostgresConnection) async throws -> Opened {
        let refreshToken = Base64URL.encode(SecureRandom.bytes(32))
        let refreshHash = ByteBuffer(bytes: SHA256.hash(data: Array(refreshToken.utf8)))
        let refreshTTL = min(rememberMe ? service.rememberMeTTL : service.refreshTokenTTL, service.sessionLifetime)
        try await connection.scope(toService: service.id, logger: logger)
        var membership: (role: String, status: String)?
        for try await (role, status) in try await connection.query(
            "SELECT role, status FROM token.memberships WHERE service_id = \(service.id) AND user_id = \(account.id) FOR UPDATE",
            logger: logger
        ).decode((String, String).self) {
            membership = (role, status)
        }
        if membership == nil {
            guard service.autoCreateUser else {
                throw Problem(status: 403, code: "access_denied", title: "Access denied",
                              detail: "This account is not a member of \(service.slug).")
            }
            _ = try await connection.query(
                "INSERT INTO token.memberships (service_id, user_id) VALUES (\(service.id), \(account.id))", logger: logger).collect()
            membership = ("user", "active")
        }
        guard let membership, membership.status == "active" else {
            throw Problem(status: 403, code: "access_denied", title: "Access denied",
                          detail: "This account's membership of \(service.slug) is not active.")
        }
        _ = try await connection.query("""
            UPDATE token.users SET failed_logins = 0, first_failed_at = NULL, locked_until = NULL WHERE id = \(account.id)
            """, logger: logger).collect()
        _ = try await connection.query(
            "UPDATE token.memberships SET last_login_at = now() WHERE service_id = \(service.id) AND user_id = \(account.id)",
            logger: logger).collect()
        let ip = client.ip
        var sessionID: UUID?
        var mfaAt: Date?
        for try await (id, passedAt) in try await connection.query("""
            INSERT INTO token.sessions (user_id, service_id, client_type, remember_me, ip, user_agent, expires_at, mfa_at, auth_method)
            VALUES (\(account.id), \(service.id), \(clientType.rawValue), \(rememberMe), \(ip)::inet, \(client.userAgent),
                    now() + make_interval(secs => \(Double(service.sessionLifetime))), CASE WHEN \(secondFactor != nil) THEN now() END, \(method))
            RETURNING id, mfa_at
            """, logger: logger).decode((UUID, Date?).self) {
            sessionID = id
            mfaAt = passedAt
        }
        guard let sessionID else { throw Problem.internalError() }
        _ = try await connection.query("""
            INSERT INTO token.refresh_tokens (session_id, token_hash, expires_at)
            VALUES (\(sessionID), \(refreshHash), now() + make_interval(secs => \(Double(refreshTTL))))
            """, logger: logger).collect()
        try await AuditEvent(
            action: "USER_LOGIN", actorUserID: account.id, serviceID: service.id, requestID: requestID,
            details: ["session_id": sessionID.uuidString.lowercased(), "client_type": clientType.rawValue, "ip": client.ip ?? "",
                      "mfa": secondFactor ?? "none", "method": method]
        ).insert(on: connection, logger: logger)
        return Opened(sessionID: sessionID, role: membership.role, refreshToken: refreshToken, refreshTTL: refreshTTL,
                      mfa: SessionMFA(enabled: account.mfaEnabled, verifiedAt: mfaAt, method: method))
    }
}
