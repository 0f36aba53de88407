import Crypto
import Foundation
import Logging
import PostgresNIO
import Shared

/// The SQL of TOTP MFA: the credential, backup codes, sign-in challenges and the lock-out.
/// Every change commits with its audit row.
struct MFAStore: Sendable {
  let postgres: Database
  let keyRing: MasterKeyRing
  let logger: Logger

  static let secretPurpose = "token.totp_secret"
  /// How long an `mfa_token` may complete its sign-in.
  static let challengeSeconds = 300
  /// Five wrong codes within 15 minutes lock the second factor for 15 minutes.
  static let lockOut = FailureLockOut(
    limit: 5, windowMinutes: 15, lockMinutes: 15,
    failures: "failed_attempts", firstFailedAt: "first_failed_at", lockedUntil: "locked_until")

  struct Credential: Sendable {
    let factor: TOTPFactor
    let enabled: Bool
    let lockedUntil: Date?
  }

  func credential(userID: UUID) async throws -> Credential? {
    let rows = try await postgres.query(
      """
      SELECT secret, master_key_version, enabled_at IS NOT NULL, CASE WHEN locked_until > now() THEN locked_until END
      FROM token.totp_credentials WHERE user_id = \(userID)
      """, logger: logger)
    for try await (secret, version, enabled, lockedUntil) in rows.decode((ByteBuffer, Int, Bool, Date?).self) {
      let plain = try keyRing.open(
        EncryptedValue(keyVersion: version, sealed: Array(secret.readableBytesView)),
        purpose: Self.secretPurpose, context: userID.uuidString.lowercased())
      return Credential(factor: TOTPFactor(secret: String(decoding: plain, as: UTF8.self)), enabled: enabled, lockedUntil: lockedUntil)
    }
    return nil
  }

  /// The session was opened in the last 10 minutes (and is open).
  func sessionIsFresh(_ sessionID: UUID, userID: UUID) async throws -> Bool {
    try await postgres.query(
      """
      SELECT 1 FROM token.sessions WHERE id = \(sessionID) AND user_id = \(userID) AND revoked_at IS NULL
        AND created_at > now() - interval '10 minutes'
      """, logger: logger
    ).collect().count == 1
  }

  /// Keeps a new secret waiting for its first code, replacing an earlier unfinished one.
  /// False when MFA is already on.
  func startEnrolment(userID: UUID, factor: TOTPFactor, requestID: String?) async throws -> Bool {
    let sealed = try keyRing.seal(Array(factor.secret.utf8), purpose: Self.secretPurpose, context: userID.uuidString.lowercased())
    let secret = ByteBuffer(bytes: sealed.sealed)
    return try await postgres.transaction(logger: logger) { connection in
      let rows = try await connection.query(
        """
        INSERT INTO token.totp_credentials (user_id, secret, master_key_version) VALUES (\(userID), \(secret), \(sealed.keyVersion))
        ON CONFLICT (user_id) DO UPDATE SET secret = EXCLUDED.secret, master_key_version = EXCLUDED.master_key_version,
                                            created_at = now()
        WHERE token.totp_credentials.enabled_at IS NULL
        RETURNING user_id
        """, logger: logger
      ).collect()
      guard rows.count == 1 else { return false }
      try await AuditEvent(action: "MFA_ENROLMENT_STARTED", actorUserID: userID, requestID: requestID, details: ["method": "totp"])
        .insert(on: connection, logger: logger)
      return true
    }
  }

  /// The first right code turns MFA on: the step is spent, the ten backup codes replace any
  /// old ones, the session counts as having passed MFA, and the audit row. False when there is
  /// no enrolment waiting.
  func enable(userID: UUID, sessionID: UUID, step: Int64, backupHashes: [[UInt8]], requestID: String?) async throws -> Bool {
    try await postgres.transaction(logger: logger) { connection in
      let enabled = try await connection.query(
        """
        UPDATE token.totp_credentials SET enabled_at = now(), last_used_step = \(step), failed_attempts = 0
        WHERE user_id = \(userID) AND enabled_at IS NULL RETURNING user_id
        """, logger: logger
      ).collect()
      guard enabled.count == 1 else { return false }
      _ = try await connection.query(
        "UPDATE token.users SET mfa_enabled = true, updated_at = now() WHERE id = \(userID)",
        logger: logger
      ).collect()
      _ = try await connection.query("DELETE FROM token.mfa_backup_codes WHERE user_id = \(userID)", logger: logger).collect()
      let hashes = backupHashes.map { ByteBuffer(bytes: $0) }
      _ = try await connection.query(
        """
        INSERT INTO token.mfa_backup_codes (user_id, code_hash) SELECT \(userID), unnest(\(hashes)::bytea[])
        """, logger: logger
      ).collect()
      _ = try await connection.query(
        "UPDATE token.sessions SET mfa_at = now() WHERE id = \(sessionID) AND user_id = \(userID)",
        logger: logger
      ).collect()
      // Sessions that never passed the new factor end: one opened with a stolen password stops here.
      let ended = try await connection.query(
        """
        UPDATE token.sessions SET revoked_at = now(), revoked_reason = 'mfa_enabled'
        WHERE user_id = \(userID) AND id <> \(sessionID) AND revoked_at IS NULL RETURNING id
        """, logger: logger
      ).collect().count
      try await AuditEvent(
        action: "MFA_ENABLED", actorUserID: userID, requestID: requestID,
        details: ["method": "totp", "sessions_ended": String(ended)]
      )
      .insert(on: connection, logger: logger)
      return true
    }
  }

  /// A proof of the second factor, checked against the secret but not yet spent.
  enum Proof: Sendable {
    case totp(step: Int64)
    case backupCode(hash: [UInt8])

    var method: String {
      switch self {
      case .totp: "totp"
      case .backupCode: "backup_code"
      }
    }
  }

  /// Spends the proof inside the caller's transaction: a TOTP step newer than any accepted
  /// before, or a backup code not used before. False when it was already spent (a replay) or
  /// the factor is locked. Concurrent spends of one proof: the row lock lets one through.
  func spend(_ proof: Proof, userID: UUID, on connection: PostgresConnection) async throws -> Bool {
    switch proof {
    case .totp(let step):
      return try await connection.query(
        """
        UPDATE token.totp_credentials SET last_used_step = \(step), failed_attempts = 0, first_failed_at = NULL
        WHERE user_id = \(userID) AND enabled_at IS NOT NULL AND (last_used_step IS NULL OR last_used_step < \(step))
          AND (locked_until IS NULL OR locked_until <= now())
        RETURNING user_id
        """, logger: logger
      ).collect().count == 1
    case .backupCode(let hash):
      let code = ByteBuffer(bytes: hash)
      return try await connection.query(
        """
        UPDATE token.mfa_backup_codes b SET used_at = now()
        FROM token.totp_credentials c
        WHERE b.user_id = \(userID) AND b.code_hash = \(code) AND b.used_at IS NULL
          AND c.user_id = b.user_id AND (c.locked_until IS NULL OR c.locked_until <= now())
        RETURNING b.user_id
        """, logger: logger
      ).collect().count == 1
    }
  }

  /// Counts a wrong or replayed code (`lockOut`), with its audit row. Returns the lock's end when this
  /// failure (or an earlier one) locked MFA.
  func recordFailure(userID: UUID, reason: String, requestID: String?) async throws -> Date? {
    try await postgres.transaction(logger: logger) { connection in
      var lockedUntil: Date?
      var failures = 0
      for try await (count, until) in try await connection.query(
        """
        UPDATE token.totp_credentials SET \(unescaped: Self.lockOut.countFailure)
        WHERE user_id = \(userID)
        RETURNING failed_attempts, \(unescaped: Self.lockOut.activeLock)
        """, logger: logger
      ).decode((Int, Date?).self) {
        failures = count
        lockedUntil = until
      }
      try await AuditEvent(
        action: "MFA_FAILED", actorUserID: userID, requestID: requestID,
        details: ["reason": reason, "failures": String(failures), "locked": lockedUntil == nil ? "no" : "yes"]
      ).insert(on: connection, logger: logger)
      SecurityCounters.signIn(outcome: "failure", method: "second_factor")
      if lockedUntil != nil, failures == Self.lockOut.limit { SecurityCounters.lockout("second_factor") }
      return lockedUntil
    }
  }

  /// Turns MFA off after a proof: the credential and backup codes go, with the audit row.
  /// Spends `proof` and puts `hashes` in place of every backup code the user had, used or
  /// not, with the audit row; false when the proof was already spent.
  func replaceBackupCodes(userID: UUID, proof: Proof, hashes: [[UInt8]], requestID: String?) async throws -> Bool {
    try await postgres.transaction(logger: logger) { connection in
      guard try await spend(proof, userID: userID, on: connection) else { return false }
      _ = try await connection.query("DELETE FROM token.mfa_backup_codes WHERE user_id = \(userID)", logger: logger).collect()
      let codes = hashes.map { ByteBuffer(bytes: $0) }
      _ = try await connection.query(
        """
        INSERT INTO token.mfa_backup_codes (user_id, code_hash) SELECT \(userID), unnest(\(codes)::bytea[])
        """, logger: logger
      ).collect()
      try await AuditEvent(
        action: "MFA_BACKUP_CODES_REPLACED", actorUserID: userID, requestID: requestID,
        details: ["method": proof.method, "count": String(hashes.count)]
      )
      .insert(on: connection, logger: logger)
      return true
    }
  }

  /// An admin's removal of the user's second factor, in one transaction with its audit row:
  /// the credential and backup codes go, and every session of the user ends (the token version
  /// rises), since whoever holds the lost device may hold a session too. Answers the new token
  /// version, or nil when the user had no second factor on.
  func reset(userID: UUID, by admin: UUID, requestID: String?) async throws -> Int? {
    try await postgres.transaction(logger: logger) { connection in
      let removed = try await connection.query(
        """
        DELETE FROM token.totp_credentials WHERE user_id = \(userID) AND enabled_at IS NOT NULL RETURNING user_id
        """, logger: logger
      ).collect()
      guard removed.count == 1 else { return nil }
      _ = try await connection.query("DELETE FROM token.mfa_backup_codes WHERE user_id = \(userID)", logger: logger).collect()
      var version = 0
      for try await raised in try await connection.query(
        """
        UPDATE token.users SET mfa_enabled = false, token_version = token_version + 1, updated_at = now()
        WHERE id = \(userID) RETURNING token_version
        """, logger: logger
      ).decode(Int.self) {
        version = raised
      }
      let ended = try await connection.query(
        """
        UPDATE token.sessions SET revoked_at = now(), revoked_reason = 'mfa_reset'
        WHERE user_id = \(userID) AND revoked_at IS NULL RETURNING id
        """, logger: logger
      ).collect().count
      try await AuditEvent(
        action: "MFA_RESET", actorUserID: admin, requestID: requestID,
        details: ["user_id": userID.uuidString.lowercased(), "sessions_ended": String(ended)]
      )
      .insert(on: connection, logger: logger)
      return version
    }
  }

  func disable(userID: UUID, proof: Proof, requestID: String?) async throws -> Bool {
    try await postgres.transaction(logger: logger) { connection in
      guard try await spend(proof, userID: userID, on: connection) else { return false }
      _ = try await connection.query("DELETE FROM token.mfa_backup_codes WHERE user_id = \(userID)", logger: logger).collect()
      _ = try await connection.query("DELETE FROM token.totp_credentials WHERE user_id = \(userID)", logger: logger).collect()
      _ = try await connection.query(
        "UPDATE token.users SET mfa_enabled = false, updated_at = now() WHERE id = \(userID)",
        logger: logger
      ).collect()
      try await AuditEvent(action: "MFA_DISABLED", actorUserID: userID, requestID: requestID, details: ["method": proof.method])
        .insert(on: connection, logger: logger)
      return true
    }
  }
}

extension MFAStore {
  /// A password sign-in waiting for its second factor.
  struct Challenge: Sendable {
    let userID: UUID
    let serviceID: UUID
    let clientType: ClientType
    let rememberMe: Bool
    let method: String
  }

  /// Records the sign-in that passed its password and answers the `mfa_token` that completes it.
  func challenge(
    userID: UUID, serviceID: UUID, clientType: ClientType, rememberMe: Bool, method: String, client: ClientInfo,
    requestID: String?
  ) async throws -> String {
    let token = Base64URL.encode(SecureRandom.bytes(32))
    let hash = ByteBuffer(bytes: SHA256.hash(data: Array(token.utf8)))
    try await postgres.transaction(logger: logger) { connection in
      _ = try await connection.query(
        """
        INSERT INTO token.mfa_challenges (token_hash, user_id, service_id, client_type, remember_me, expires_at, auth_method)
        VALUES (\(hash), \(userID), \(serviceID), \(clientType.rawValue), \(rememberMe),
                now() + make_interval(secs => \(Double(Self.challengeSeconds))), \(method))
        """, logger: logger
      ).collect()
      try await AuditEvent(
        action: "MFA_CHALLENGED", actorUserID: userID, serviceID: serviceID, requestID: requestID,
        client: client, details: ["ip": client.ip ?? ""]
      ).insert(on: connection, logger: logger)
    }
    return token
  }

  /// The open challenge behind an `mfa_token`: not completed, not expired.
  func openChallenge(token: String) async throws -> Challenge? {
    let hash = ByteBuffer(bytes: SHA256.hash(data: Array(token.utf8)))
    let rows = try await postgres.query(
      """
      SELECT user_id, service_id, client_type, remember_me, auth_method FROM token.mfa_challenges
      WHERE token_hash = \(hash) AND completed_at IS NULL AND expires_at > now()
      """, logger: logger)
    for try await (user, service, clientType, rememberMe, method) in rows.decode((UUID, UUID, String, Bool, String).self) {
      return Challenge(
        userID: user, serviceID: service, clientType: ClientType(rawValue: clientType) ?? .mobile, rememberMe: rememberMe,
        method: method)
    }
    return nil
  }

  /// Completes the challenge inside the caller's transaction: false when another request did first.
  func complete(token: String, on connection: PostgresConnection) async throws -> Bool {
    let hash = ByteBuffer(bytes: SHA256.hash(data: Array(token.utf8)))
    return try await connection.query(
      """
      UPDATE token.mfa_challenges SET completed_at = now()
      WHERE token_hash = \(hash) AND completed_at IS NULL AND expires_at > now() RETURNING user_id
      """, logger: logger
    ).collect().count == 1
  }

  /// Step-up: the proof is spent and the session marked as having passed MFA now. Returns
  /// the session's service slug and membership role, or nil when the proof was already spent.
  func stepUp(userID: UUID, sessionID: UUID, proof: Proof, requestID: String?) async throws -> (
    slug: String, member: MemberGrant, method: String
  )? {
    try await postgres.transaction(logger: logger) { connection in
      var found: (String, String, String, [String], [String])?
      for try await row in try await connection.query(
        """
        SELECT sv.slug, m.role, s.auth_method, m.scopes, m.permissions FROM token.sessions s
        JOIN token.services sv ON sv.id = s.service_id
        JOIN LATERAL token.membership(s.service_id, s.user_id) m ON true
        WHERE s.id = \(sessionID) AND s.user_id = \(userID) AND s.revoked_at IS NULL AND s.expires_at > now()
        FOR UPDATE OF s
        """, logger: logger
      ).decode((String, String, String, [String], [String]).self) {
        found = row
      }
      guard let (slug, role, method, scopes, permissions) = found else {
        throw SignInProblems.invalidToken.problem("This session has ended.")
      }
      guard try await spend(proof, userID: userID, on: connection) else { return nil }
      _ = try await connection.query("UPDATE token.sessions SET mfa_at = now() WHERE id = \(sessionID)", logger: logger).collect()
      try await AuditEvent(
        action: "MFA_VERIFIED", actorUserID: userID, requestID: requestID,
        details: ["session_id": sessionID.uuidString.lowercased(), "method": proof.method, "step_up": "yes"]
      )
      .insert(on: connection, logger: logger)
      return (slug, MemberGrant(role: role, scopes: scopes, permissions: permissions), method)
    }
  }
}
