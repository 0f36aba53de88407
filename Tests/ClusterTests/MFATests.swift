import Foundation
import PostgresNIO
import Testing

@testable import Shared
@testable import TestSupport

/// TOTP MFA through the real gateway and token-service, with codes computed by pyotp as an
/// authenticator app would.
@Suite(.serialized, .timeLimit(.minutes(5))) struct MFATests {
  /// The code an authenticator app shows for the enrolment's `otpauth://` URI, `steps` × 30 s from now.
  func code(_ uri: String, steps: Int = 0) throws -> String {
    let (status, output) = try PythonCheck.run("totp_code.py", [uri, String(steps)])
    #expect(status == 0, "\(output)")
    return output
  }

  /// Enrols and enables TOTP for a signed-in user: the enrolment's URI and the backup codes.
  func enable(_ cluster: Cluster, token: String, password: String) async throws -> (uri: String, backupCodes: [String]) {
    let auth = bearer(token)
    try await cluster.api.firstParty(token: token)
    let started = try await cluster.api.post(
      "/api/v1/users/me/mfa/totp", MFACodeBody(currentPassword: password),
      as: TOTPEnrolment.self,
      headers: auth)
    #expect(started.status == 200, "\(started.body)")
    let uri = try started.decoded().otpauthURI
    let enabled = try await cluster.api.post(
      "/api/v1/users/me/mfa/totp/enable", MFACodeBody(code: try code(uri)),
      as: BackupCodeList.self,
      headers: auth)
    #expect(enabled.status == 200, "\(enabled.body)")
    return (uri, try enabled.decoded().backupCodes)
  }

  /// A password sign-in that stops at the second factor: its `mfa_token`.
  func mfaToken(_ cluster: Cluster, _ account: Account) async throws -> String {
    let first = try await cluster.api.login(account)
    #expect(first.status == 401 && first.problem?.code == "mfa_required", "\(first.body)")
    #expect(first.value == nil && json(first.body)["access_token"] == nil)
    return try #require(first.problem?.extensions["mfa_token"], "\(first.body)")
  }

  /// The second step of a sign-in: `mfaToken` with a code, or else a backup code.
  func verify(
    _ cluster: Cluster, _ mfaToken: String, code: String? = nil,
    backupCode: String? = nil
  ) async throws -> Answer<TokenAnswer> {
    let body = MFAVerifyBody(mfaToken: mfaToken, code: code, backupCode: code == nil ? backupCode ?? "" : nil)
    return try await cluster.api.post("/api/v1/auth/mfa/verify", body, as: TokenAnswer.self)
  }

  @Test func enrolmentSignInBackupCodesAndReplays() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let account = try await cluster.api.makeAccount()
      let token = try await cluster.api.signIn(account).accessToken
      let auth = bearer(token)
      let elsewhere = try #require(try await cluster.api.signIn(account).refreshToken)

      // Enrolment answers the secret three ways: base32, otpauth:// URI and a QR code PNG.
      // Only a first-party service's token enrols (issue 27; caught on the code before: a
      // token of any service, a third-party app's included, could put a device on the account).
      let withPassword = MFACodeBody(currentPassword: account.password)
      let thirdParty = try await cluster.api.post("/api/v1/users/me/mfa/totp", withPassword, headers: auth)
      #expect(thirdParty.status == 403 && thirdParty.problem?.code == "first_party_required", "\(thirdParty.body)")
      try await cluster.api.firstParty(token: token)
      // Enrolment asks for the password again: a stolen access token alone cannot add a device.
      let bare = try await cluster.api.post("/api/v1/users/me/mfa/totp", headers: auth)
      #expect(bare.status == 422 && bare.problem?.field == "current_password", "\(bare.body)")
      let guessed = try await cluster.api.post(
        "/api/v1/users/me/mfa/totp", MFACodeBody(currentPassword: "not it at all"),
        headers: auth)
      #expect(guessed.status == 403 && guessed.problem?.code == "invalid_current_password", "\(guessed.body)")
      let started = try await cluster.api.post(
        "/api/v1/users/me/mfa/totp", withPassword, as: TOTPEnrolment.self,
        headers: auth
      ).decoded()
      let uri = started.otpauthURI
      let secret = started.secret
      #expect(uri.hasPrefix("otpauth://totp/Gatehouse:") && uri.contains("secret=\(secret)") && uri.contains("issuer=Gatehouse"))
      let qr = started.qrCode
      #expect(qr.hasPrefix("data:image/png;base64,"))
      let png = try #require(Data(base64Encoded: String(qr.dropFirst("data:image/png;base64,".count))))
      #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
      let width = png[16..<20].reduce(0) { $0 << 8 | Int($1) }
      let height = png[20..<24].reduce(0) { $0 << 8 | Int($1) }
      #expect(width == height && width >= 150, "\(width)×\(height)")
      // Until enabled, sign-in needs no second factor, and a wrong first code is refused.
      #expect(try await cluster.api.login(account).status == 200)
      let wrong = try await cluster.api.post(
        "/api/v1/users/me/mfa/totp/enable", MFACodeBody(code: try code(uri, steps: 10)),
        headers: auth)
      #expect(wrong.status == 422 && wrong.problem?.code == "invalid_mfa_code", "\(wrong.body)")

      let enrolCode = try code(uri)
      let enabled = try await cluster.api.post(
        "/api/v1/users/me/mfa/totp/enable", MFACodeBody(code: enrolCode),
        as: BackupCodeList.self,
        headers: auth)
      #expect(enabled.status == 200, "\(enabled.body)")
      let backupCodes = try enabled.decoded().backupCodes
      #expect(backupCodes.count == 10 && Set(backupCodes).count == 10)
      // Sessions that never passed the new factor end with it.
      #expect(try await cluster.api.refresh(elsewhere).status == 401)
      let again = try await cluster.api.post("/api/v1/users/me/mfa/totp", withPassword, headers: auth)
      #expect(again.status == 409 && again.problem?.code == "mfa_already_enabled")

      // Sign-in now stops at the second factor. The code spent on enrolment is refused (replay);
      // the next one is accepted, once.
      let pending = try await mfaToken(cluster, account)
      #expect(try await verify(cluster, pending, code: enrolCode).status == 401)
      let nextCode = try code(uri, steps: 1)
      let signedIn = try await verify(cluster, pending, code: nextCode)
      #expect(signedIn.status == 200, "\(signedIn.body)")
      let claims = try tokenClaims(try signedIn.decoded().accessToken)
      #expect(claims.amr == ["pwd", "otp", "mfa"] && claims.mfaEnabled == true)
      #expect(claims.mfaAt != nil)
      #expect(try signedIn.decoded().refreshToken != nil)
      // An mfa_token completes one sign-in; a made-up one none.
      let used = try await verify(cluster, pending, code: try code(uri, steps: -1))
      #expect(used.status == 401 && used.problem?.code == "invalid_mfa_token", "\(used.body)")
      #expect(try await verify(cluster, "made-up", code: nextCode).problem?.code == "invalid_mfa_token")
      let replayed = try await verify(cluster, try await mfaToken(cluster, account), code: nextCode)
      #expect(replayed.status == 401 && replayed.problem?.code == "invalid_mfa_code", "\(replayed.body)")

      // A backup code works once, typed in any case.
      let withBackup = try await verify(cluster, try await mfaToken(cluster, account), backupCode: backupCodes[3].uppercased())
      #expect(withBackup.status == 200, "\(withBackup.body)")
      #expect(try await verify(cluster, try await mfaToken(cluster, account), backupCode: backupCodes[3]).status == 401)

      try await withPostgres(TestEnvironment.database(owner: true)) { owner in
        // Neither the secret nor a backup code is stored as given.
        let rows = try await owner.query(
          """
          SELECT position(convert_to(\(secret), 'UTF8') IN c.secret) = 0,
                 (SELECT count(*)::int FROM token.mfa_backup_codes b WHERE b.user_id = u.id),
                 (SELECT count(*)::int FROM token.mfa_backup_codes b WHERE b.user_id = u.id AND b.used_at IS NOT NULL),
                 (SELECT count(*)::int FROM token.mfa_backup_codes b WHERE position(convert_to(\(backupCodes[0]), 'UTF8') IN b.code_hash) > 0),
                 (SELECT array_agg(DISTINCT e.action ORDER BY e.action) FROM audit.events e
                  WHERE e.actor_user_id = u.id AND e.action LIKE 'MFA_%')
          FROM token.users u JOIN token.totp_credentials c ON c.user_id = u.id WHERE u.username = \(account.username)
          """, logger: TestEnvironment.logger
        ).collect()
        let (secretHidden, codes, usedCodes, clearCodes, actions) = try #require(rows.first).decode((Bool, Int, Int, Int, [String]).self)
        #expect(secretHidden && codes == 10 && usedCodes == 1 && clearCodes == 0)
        #expect(actions == ["MFA_CHALLENGED", "MFA_ENABLED", "MFA_ENROLMENT_STARTED", "MFA_FAILED"])
      }

      // Turning MFA off takes a code; afterwards the password alone signs in again.
      let fresh = try signedIn.decoded().accessToken
      let off = try await cluster.api.post(
        "/api/v1/users/me/mfa/totp", MFACodeBody(code: nextCode), method: .DELETE,
        headers: bearer(fresh))
      #expect(off.status == 401, "that code was spent: \(off.body)")
      let offWithBackup = try await cluster.api.post(
        "/api/v1/users/me/mfa/totp", MFACodeBody(backupCode: backupCodes[0]),
        as: MFADisabled.self, method: .DELETE, headers: bearer(fresh))
      #expect(offWithBackup.status == 200 && offWithBackup.value?.mfaEnabled == false, "\(offWithBackup.body)")
      #expect(try await cluster.api.login(account).status == 200)
    }
  }

  @Test func backupCodesAreReplacedAllAtOnceForAProof() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let account = try await cluster.api.makeAccount()
      let token = try await cluster.api.signIn(account).accessToken
      let auth = bearer(token)
      let (_, oldCodes) = try await enable(cluster, token: token, password: account.password)

      let bare = try await cluster.api.post("/api/v1/users/me/mfa/backup-codes", MFACodeBody(), headers: auth)
      #expect(bare.status == 422 && bare.problem?.field == "code", "\(bare.body)")
      let proof = MFACodeBody(backupCode: oldCodes[0])
      #expect(try await cluster.api.post("/api/v1/users/me/mfa/backup-codes", proof).status == 401)
      let replaced = try await cluster.api.post("/api/v1/users/me/mfa/backup-codes", proof, as: BackupCodeList.self, headers: auth)
      #expect(replaced.status == 200, "\(replaced.body)")
      let newCodes = try replaced.decoded().backupCodes
      #expect(newCodes.count == 10 && Set(newCodes).count == 10 && Set(newCodes).isDisjoint(with: oldCodes))
      // The proof is spent, and every old code is gone, used or not; the new ones work.
      let again = try await cluster.api.post("/api/v1/users/me/mfa/backup-codes", proof, headers: auth)
      #expect(again.status == 401 && again.problem?.code == "invalid_mfa_code", "\(again.body)")
      #expect(try await verify(cluster, try await mfaToken(cluster, account), backupCode: oldCodes[1]).status == 401)
      let signedIn = try await verify(cluster, try await mfaToken(cluster, account), backupCode: newCodes[0])
      #expect(signedIn.status == 200, "\(signedIn.body)")

      try await withPostgres(TestEnvironment.database(owner: true)) { owner in
        let rows = try await owner.query(
          """
          SELECT (SELECT count(*)::int FROM token.mfa_backup_codes b WHERE b.user_id = u.id),
                 (SELECT count(*)::int FROM token.mfa_backup_codes b WHERE b.user_id = u.id AND b.used_at IS NOT NULL),
                 (SELECT count(*)::int FROM audit.events e WHERE e.actor_user_id = u.id AND e.action = 'MFA_BACKUP_CODES_REPLACED')
          FROM token.users u WHERE u.username = \(account.username)
          """, logger: TestEnvironment.logger
        ).collect()
        let (codes, used, audited) = try #require(rows.first).decode((Int, Int, Int).self)
        #expect(codes == 10 && used == 1 && audited == 1)
      }
    }
  }

  @Test func aSuperAdminResetsALostSecondFactorAndEndsTheSessions() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let account = try await cluster.api.makeAccount()
      let token = try await cluster.api.signIn(account).accessToken
      let userID = try tokenClaims(token).sub
      let (_, backupCodes) = try await enable(cluster, token: token, password: account.password)
      let signedIn = try await verify(cluster, try await mfaToken(cluster, account), backupCode: backupCodes[0]).decoded()
      let access = signedIn.accessToken
      let refresh = try #require(signedIn.refreshToken)

      let (_, serviceAdmin) = try await cluster.api.admin(role: "SERVICE_ADMIN")
      let (root, superAdmin) = try await cluster.api.admin(role: "SUPER_ADMIN")
      func reset(_ id: String, by token: String) async throws -> Answer<MFADisabled> {
        try await cluster.api.delete("/api/v1/users/\(id)/mfa", as: MFADisabled.self, headers: bearer(token))
      }
      #expect(try await reset(userID, by: access).status == 403)
      let notSuper = try await reset(userID, by: serviceAdmin)
      #expect(notSuper.status == 403 && notSuper.problem?.code == "forbidden", "\(notSuper.body)")
      let own = try await reset(try tokenClaims(superAdmin).sub, by: superAdmin)
      #expect(own.status == 403 && own.problem?.code == "own_second_factor", "\(own.body)")
      #expect(try await reset(UUID().uuidString, by: superAdmin).status == 404)

      let done = try await reset(userID, by: superAdmin)
      #expect(done.status == 200 && done.value?.mfaEnabled == false, "\(done.body)")
      let twice = try await reset(userID, by: superAdmin)
      #expect(twice.status == 409 && twice.problem?.code == "mfa_not_enabled", "\(twice.body)")
      // Whatever the lost device opened is closed; the password alone signs in again.
      #expect(try await eventually(timeout: propagationLimit) { try await cluster.api.verify(access).status == 401 })
      #expect(try await cluster.api.refresh(refresh).status == 401)
      #expect(try await cluster.api.login(account).status == 200)
      try await withPostgres(TestEnvironment.database(owner: true)) { owner in
        let rows = try await owner.query(
          """
          SELECT (SELECT count(*)::int FROM token.totp_credentials c WHERE c.user_id = u.id),
                 (SELECT count(*)::int FROM token.mfa_backup_codes b WHERE b.user_id = u.id),
                 (SELECT count(*)::int FROM audit.events e JOIN token.users a ON a.id = e.actor_user_id
                  WHERE e.action = 'MFA_RESET' AND a.username = \(root.username) AND e.details->>'user_id' = u.id::text),
                 u.mfa_enabled
          FROM token.users u WHERE u.username = \(account.username)
          """, logger: TestEnvironment.logger
        ).collect()
        let (credentials, codes, audited, enabled) = try #require(rows.first).decode((Int, Int, Int, Bool).self)
        #expect(credentials == 0 && codes == 0 && audited == 1 && !enabled)
      }
    }
  }

  @Test func fiveWrongCodesLockTheSecondFactorForFifteenMinutes() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let account = try await cluster.api.makeAccount()
      let token = try await cluster.api.signIn(account).accessToken
      let (uri, _) = try await enable(cluster, token: token, password: account.password)
      let pending = try await mfaToken(cluster, account)
      let wrong = try code(uri, steps: 20)
      for attempt in 1...4 {
        let refused = try await verify(cluster, pending, code: wrong)
        #expect(refused.status == 401 && refused.problem?.code == "invalid_mfa_code", "attempt \(attempt): \(refused.body)")
      }
      let locked = try await verify(cluster, pending, code: wrong)
      #expect(locked.status == 423 && locked.problem?.code == "mfa_locked", "\(locked.body)")
      // Even the right code waits out the lock.
      let right = try await verify(cluster, pending, code: try code(uri, steps: 1))
      #expect(right.status == 423, "\(right.body)")
      try await withPostgres(TestEnvironment.database(owner: true)) { owner in
        let rows = try await owner.query(
          """
          SELECT EXTRACT(EPOCH FROM c.locked_until - now())::int FROM token.totp_credentials c
          JOIN token.users u ON u.id = c.user_id WHERE u.username = \(account.username)
          """, logger: TestEnvironment.logger
        ).collect()
        let seconds = try #require(rows.first).decode(Int.self)
        #expect((14 * 60...15 * 60).contains(seconds), "\(seconds)")
      }
    }
  }

  @Test func oneCodeRacedOverManySignInsCompletesExactlyOne() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let account = try await cluster.api.makeAccount()
      let token = try await cluster.api.signIn(account).accessToken
      let (uri, _) = try await enable(cluster, token: token, password: account.password)
      var pending: [String] = []
      for _ in 0..<8 { pending.append(try await mfaToken(cluster, account)) }
      let shared = try code(uri, steps: 1)
      let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
        for mfaToken in pending { group.addTask { try await verify(cluster, mfaToken, code: shared).status } }
        return try await group.reduce(into: [Int]()) { $0.append($1) }
      }
      // The losers count as failed attempts, so the later ones may already meet the lock (423).
      #expect(statuses.filter { $0 == 200 }.count == 1 && statuses.filter { $0 == 401 || $0 == 423 }.count == 7, "\(statuses)")
      try await withPostgres(TestEnvironment.database(owner: true)) { owner in
        let rows = try await owner.query(
          """
          SELECT count(*)::int FROM token.sessions s JOIN token.users u ON u.id = s.user_id
          WHERE u.username = \(account.username) AND s.mfa_at IS NOT NULL
          """, logger: TestEnvironment.logger
        ).collect()
        // The enrolling session, and the one sign-in that won.
        #expect(try rows.first?.decode(Int.self) == 2)
      }
    }
  }

  @Test func adminsWithMFANeedARecentSecondFactorAndServicesCanRequireIt() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let (account, token) = try await cluster.api.admin(role: "SUPER_ADMIN")
      let (uri, backupCodes) = try await enable(cluster, token: token, password: account.password)
      // Signing in with a backup code leaves the next TOTP step for the step-up below (each step is accepted once).
      let signedIn = try await verify(cluster, try await mfaToken(cluster, account), backupCode: backupCodes[0]).decoded()
      let fresh = signedIn.accessToken
      #expect(try await cluster.api.get("/api/v1/services", headers: bearer(fresh)).status == 200)

      // Half an hour later (the session's proof is moved back), a refreshed token no longer opens admin routes.
      try await withPostgres(TestEnvironment.database(owner: true)) { owner in
        _ = try await owner.query(
          """
          UPDATE token.sessions SET mfa_at = now() - interval '31 minutes'
          WHERE user_id = (SELECT id FROM token.users WHERE username = \(account.username))
          """, logger: TestEnvironment.logger
        ).collect()
      }
      let refreshed = try await cluster.api.refresh(try #require(signedIn.refreshToken))
      let stale = try refreshed.decoded().accessToken
      let refused = try await cluster.api.get("/api/v1/services", headers: bearer(stale))
      #expect(refused.status == 403 && refused.problem?.code == "mfa_step_up_required", "\(refused.body)")
      #expect(try await cluster.api.get("/api/v1/audit-events", headers: bearer(stale)).status == 403)
      // Step-up with a code: a fresh access token for the same session opens them again.
      let steppedUp = try await cluster.api.post(
        "/api/v1/auth/mfa/verify", MFAVerifyBody(code: try code(uri, steps: 1)),
        as: MFAStepUp.self,
        headers: bearer(stale))
      #expect(steppedUp.status == 200, "\(steppedUp.body)")
      let upToken = try steppedUp.decoded().accessToken
      #expect(try tokenClaims(upToken).sid == tokenClaims(stale).sid)
      #expect(try await cluster.api.get("/api/v1/services", headers: bearer(upToken)).status == 200)

      // A service that requires MFA of its admins refuses an admin without it.
      let (_, plainAdmin) = try await cluster.api.admin(role: "SUPER_ADMIN")
      let slug = account.slug
      let required = try await cluster.api.post(
        "/api/v1/services/\(slug)", ServiceSettingsBody(requireAdminMFA: true),
        as: ServiceView.self,
        method: .PATCH, headers: bearer(upToken))
      #expect(required.status == 200 && required.value?.requireAdminMFA == true, "\(required.body)")
      let withoutMFA = try await cluster.api.get("/api/v1/services/\(slug)", headers: bearer(plainAdmin))
      #expect(withoutMFA.status == 403 && withoutMFA.problem?.code == "mfa_required_by_service", "\(withoutMFA.body)")
      #expect(try await cluster.api.get("/api/v1/services/\(slug)", headers: bearer(upToken)).status == 200)
    }
  }
}
