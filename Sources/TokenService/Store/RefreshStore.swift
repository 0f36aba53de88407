import Crypto
import Foundation
import Logging
import PostgresNIO
import Shared

/// The SQL of refresh-token rotation. The presented token's row (and its session's) is locked for
/// the whole rotation, so across every instance one refresh of a token runs at a time.
struct RefreshStore: Sendable {
    let postgres: PostgresClient
    let keyRing: MasterKeyRing
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
        let role: String?
        let membershipStatus: String?
    }

    enum Outcome: Sendable {
        case rotated(TokenGrant)
        /// A retry within the grace window: the pair the first attempt returned.
        case replayed(TokenGrant)
        /// A spent token presented after the grace window: the session is now revoked.
        case reused
        case refused(String)
    }

    /// One rotation. `issue` is called, inside the transaction, with the family and the new
    /// refresh token, and returns the grant to hand out; that grant is kept sealed on the spent
    /// token for the grace window. `issue` must not take another pooled connection: under load
    /// every connection could be held by a rotation waiting for one (everything it needs is read
    /// here, with the token).
    func rotate(
        token: String, requestID: String?,
        issue: @escaping @Sendable (Family, String) async throws -> TokenGrant
    ) async throws -> Outcome {
        let hash = ByteBuffer(bytes: SHA256.hash(data: Array(token.utf8)))
        return try await postgres.transaction(logger: logger) { connection in
            let rows = try await connection.query("""
                SELECT rt.id, rt.session_id, rt.expires_at < now(), rt.used_at IS NOT NULL,
                       EXTRACT(EPOCH FROM now() - rt.used_at)::float8, rt.grace_result, rt.grace_key_version,
                       s.revoked_at IS NOT NULL OR s.expires_at < now()
                           OR s.last_used_at < now() - make_interval(secs => sv.session_idle_timeout_seconds),
                       s.client_type, s.remember_me,
                       u.id, u.username, u.email, u.first_name, u.last_name, u.is_active, u.token_version,
                       m.role, m.status, \(unescaped: ServiceRecord.columns(of: "sv"))
                FROM token.refresh_tokens rt
                JOIN token.sessions s ON s.id = rt.session_id
                JOIN token.services sv ON sv.id = s.service_id
                JOIN token.users u ON u.id = s.user_id
                LEFT JOIN token.memberships m ON m.service_id = s.service_id AND m.user_id = s.user_id
                WHERE rt.token_hash = \(hash)
                FOR UPDATE OF rt, s
                """, logger: logger)
            var found: (Family, expired: Bool, used: Bool, usedSecondsAgo: Double?, grace: EncryptedValue?, sessionOver: Bool)?
            for try await row in rows {
                let c = row.makeRandomAccess()
                let first = try c[13].decode(String.self), last = try c[14].decode(String.self)
                let graceBytes = try c[5].decode(ByteBuffer?.self), graceVersion = try c[6].decode(Int?.self)
                let family = Family(
                    tokenID: try c[0].decode(UUID.self), sessionID: try c[1].decode(UUID.self),
                    service: try ServiceRecord(c, from: 19),
                    clientType: ClientType(rawValue: try c[8].decode(String.self)) ?? .mobile,
                    rememberMe: try c[9].decode(Bool.self),
                    user: UserSummary(id: try c[10].decode(UUID.self), username: try c[11].decode(String.self),
                                      email: try c[12].decode(String.self),
                                      fullName: UserSummary.fullName(first: first, last: last)),
                    userActive: try c[15].decode(Bool.self), tokenVersion: try c[16].decode(Int.self),
                    role: try c[17].decode(String?.self), membershipStatus: try c[18].decode(String?.self))
                found = (family, try c[2].decode(Bool.self), try c[3].decode(Bool.self), try c[4].decode(Double?.self),
                         graceBytes.flatMap { bytes in graceVersion.map { EncryptedValue(keyVersion: $0, sealed: Array(bytes.readableBytesView)) } },
                         try c[7].decode(Bool.self))
            }
            guard let found else { return .refused("The refresh token is not known.") }
            let family = found.0
            guard !found.sessionOver else { return .refused("The session has ended.") }
            if found.used {
                if let sealed = found.grace, let ago = found.usedSecondsAgo, ago < Double(family.service.refreshGraceSeconds) {
                    let plain = try keyRing.open(sealed, purpose: "token.refresh_grace", context: family.tokenID.uuidString)
                    return .replayed(try JSONDecoder().decode(TokenGrant.self, from: Data(plain)))
                }
                _ = try await connection.query("""
                    UPDATE token.sessions SET revoked_at = now(), revoked_reason = 'refresh_token_reuse' WHERE id = \(family.sessionID)
                    """, logger: logger).collect()
                try await AuditEvent(
                    action: "TOKEN_REUSE_DETECTED", actorUserID: UUID(uuidString: family.user.id), requestID: requestID,
                    details: ["session_id": family.sessionID.uuidString.lowercased()]
                ).insert(on: connection, logger: logger)
                return .reused
            }
            guard !found.expired else { return .refused("The refresh token has expired.") }
            guard family.userActive, family.membershipStatus == "active" else {
                return .refused("The account may no longer sign in to this service.")
            }
            let next = Base64URL.encode(SecureRandom.bytes(32))
            let grant = try await issue(family, next)
            let nextHash = ByteBuffer(bytes: SHA256.hash(data: Array(next.utf8)))
            let sealed = try keyRing.seal(try JSONEncoder().encode(grant), purpose: "token.refresh_grace", context: family.tokenID.uuidString)
            let sealedBytes = ByteBuffer(bytes: sealed.sealed)
            _ = try await connection.query("""
                INSERT INTO token.refresh_tokens (session_id, token_hash, parent_id, expires_at)
                VALUES (\(family.sessionID), \(nextHash), \(family.tokenID), now() + make_interval(secs => \(Double(grant.refreshExpiresIn))))
                """, logger: logger).collect()
            _ = try await connection.query("""
                UPDATE token.refresh_tokens SET used_at = now(), grace_result = \(sealedBytes), grace_key_version = \(sealed.keyVersion)
                WHERE id = \(family.tokenID)
                """, logger: logger).collect()
            _ = try await connection.query(
                "UPDATE token.sessions SET last_used_at = now() WHERE id = \(family.sessionID)", logger: logger).collect()
            try await AuditEvent(
                action: "TOKEN_REFRESHED", actorUserID: UUID(uuidString: family.user.id), requestID: requestID,
                details: ["session_id": family.sessionID.uuidString.lowercased()]
            ).insert(on: connection, logger: logger)
            return .rotated(grant)
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
        let hash = ByteBuffer(bytes: SHA256.hash(data: Array(token.utf8)))
        let rows = try await postgres.query("""
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
            in rows.decode((UUID, UUID, String, String, UUID, String, Date, Date, Bool).self) {
            return Held(sessionID: session, serviceID: serviceID, serviceSlug: slug, clientID: clientID, userID: user,
                        username: username, issuedAt: issued, expiresAt: expires, usable: usable)
        }
        return nil
    }
}
