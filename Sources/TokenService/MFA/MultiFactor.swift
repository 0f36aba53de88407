import Foundation
import PostgresNIO
import Shared

/// TOTP as a second factor (docs/admin.md, "TOTP MFA"): enrolment, the second step of a password sign-in, step-up
/// for a session that needs a recent proof, and removal. Codes are six digits, 30 s, one step
/// either side, each accepted once; backup codes are single use; five wrong codes within 15
/// minutes lock the second factor for 15 minutes.
struct MultiFactor: Sendable {
  let store: MFAStore
  let logins: LoginStore
  let services: ServiceStore
  let tokens: TokenIssuer
  let backupCodes: BackupCodes
  let currentPassword: CurrentPassword
  let firstParty: FirstParty
  /// A passkey may be the second step of a sign-in in place of a code (PasskeySecondFactor.swift).
  let passkeys: PasskeyAssertions
  let revocations: RevocationPublisher
  /// Shown by the authenticator app next to the account.
  let issuerName: String

  // MARK: enrolment

  /// Enrolment starts only after the person proves it is them again, so a stolen access token
  /// cannot put its own device on the account: the current password (wrong ones count towards
  /// the sign-in lock-out), or for an account without one a session opened in the last 10 minutes;
  /// and only from a first-party service (`FirstParty`).
  func start(_ request: MFARequest, caller: SignedInCaller, requestID: String?) async throws -> TOTPEnrolment {
    let account = try await account(caller.userID)
    _ = try await firstParty.require(caller.service)
    if let hash = account.passwordHash {
      guard let password = request.body.currentPassword else {
        throw RequestProblems.invalidField.problem("Send current_password to start enrolment.", field: "current_password")
      }
      try await currentPassword.check(
        password, against: hash, userID: account.id, serviceID: { nil },
        client: request.client, requestID: requestID)
    } else {
      guard let sessionID = UUID(uuidString: caller.sessionID ?? ""),
        try await store.sessionIsFresh(sessionID, userID: account.id)
      else {
        throw MFAProblems.enrolmentNeedsSignIn.problem("Sign in again (within the last 10 minutes) to start enrolment.")
      }
    }
    let factor = TOTPFactor(secret: TOTPFactor.newSecret())
    guard try await store.startEnrolment(userID: account.id, factor: factor, requestID: requestID) else { throw Self.alreadyEnabled }
    return factor.enrolment(account: account.email, issuer: issuerName)
  }

  func enable(_ request: MFARequest, caller: SignedInCaller, requestID: String?) async throws -> BackupCodeList {
    let account = try await account(caller.userID)
    _ = try await firstParty.require(caller.service)
    guard let sessionID = UUID(uuidString: caller.sessionID ?? "") else { throw Self.sessionEnded }
    guard let code = request.body.code else {
      throw RequestProblems.invalidField.problem("Send the code the authenticator app shows.", field: "code")
    }
    guard let credential = try await store.credential(userID: account.id) else {
      throw MFAProblems.mfaNotEnrolling.problem("Start with POST /api/v1/users/me/mfa/totp.")
    }
    guard !credential.enabled else { throw Self.alreadyEnabled }
    guard let step = credential.factor.step(of: code) else {
      throw MFAProblems.enrolmentCodeWrong.problem(
        "The code does not match; check the device's clock and try the current code.",
        field: "code")
    }
    let codes = BackupCodes.generate()
    guard
      try await store.enable(
        userID: account.id, sessionID: sessionID, step: step,
        backupHashes: codes.map { backupCodes.hash($0, userID: account.id) }, requestID: requestID)
    else {
      throw Self.alreadyEnabled
    }
    return BackupCodeList(backupCodes: codes)
  }

  func disable(_ request: MFARequest, caller: SignedInCaller, requestID: String?) async throws -> MFADisabled {
    let account = try await account(caller.userID)
    let credential = try await enabledCredential(account.id)
    let proof = try await proof(request.body, userID: account.id, credential: credential, requestID: requestID)
    guard try await store.disable(userID: account.id, proof: proof, requestID: requestID) else {
      throw try await failure(account.id, reason: "replayed", requestID: requestID)
    }
    return MFADisabled()
  }

  /// Ten new backup codes in place of all the old ones (used or not), for a code or a backup
  /// code: for someone who used most of theirs, or fears they were seen.
  func replaceBackupCodes(_ request: MFARequest, caller: SignedInCaller, requestID: String?) async throws -> BackupCodeList {
    let account = try await account(caller.userID)
    let credential = try await enabledCredential(account.id)
    let proof = try await proof(request.body, userID: account.id, credential: credential, requestID: requestID)
    let codes = BackupCodes.generate()
    guard
      try await store.replaceBackupCodes(
        userID: account.id, proof: proof, hashes: codes.map { backupCodes.hash($0, userID: account.id) },
        requestID: requestID)
    else {
      throw try await failure(account.id, reason: "replayed", requestID: requestID)
    }
    return BackupCodeList(backupCodes: codes)
  }

  /// Account recovery when the device and the backup codes are both lost: a SUPER_ADMIN (with
  /// a recent second factor of their own, checked at the gateway) removes the user's. Never
  /// their own this way, so one stolen admin session cannot strip its own factor. The user's
  /// sessions end and the gateways refuse their access tokens at once.
  func reset(_ request: MFAResetRequest, actor: AdminActor, requestID: String?) async throws -> MFADisabled {
    let (adminID, role) = try ServiceAdministration.admin(actor)
    guard role == .superAdmin else {
      throw ServiceAdminProblems.forbidden.problem("Only a SUPER_ADMIN resets someone's second factor.")
    }
    guard let userID = UUID(uuidString: request.userID), try await logins.account(id: userID) != nil else {
      throw AccountProblems.accountNotFound.problem("No such account.")
    }
    guard userID != adminID else {
      throw MFAProblems.ownSecondFactor.problem("Turn your own second factor off with a code: DELETE /api/v1/users/me/mfa/totp.")
    }
    guard let version = try await store.reset(userID: userID, by: adminID, requestID: requestID) else {
      throw MFAProblems.mfaNotEnabled.problem("This account has no second factor.")
    }
    try await revocations.raise(userID: userID.uuidString.lowercased(), to: version)
    return MFADisabled()
  }

  // MARK: sign-in

  /// Called by `Login` once the password matched for an account with MFA on: the sign-in
  /// waits, and the answer is a 401 `mfa_required` carrying the `mfa_token` that completes it.
  func requireSecondFactor(
    account: LoginStore.Account, service: ServiceRecord, clientType: ClientType, rememberMe: Bool,
    method: String = "password", client: ClientInfo, requestID: String?
  ) async throws -> Never {
    let token = try await store.challenge(
      userID: account.id, serviceID: service.id, clientType: clientType, rememberMe: rememberMe,
      method: method, client: client, requestID: requestID)
    var problem = MFAProblems.mfaRequired.problem(
      "Send a code from the authenticator app, or a backup code, with this mfa_token to /api/v1/auth/mfa/verify.")
    problem.extensions = ["mfa_token": token, "mfa_expires_in": String(MFAStore.challengeSeconds)]
    throw problem
  }

  /// The same wait for the sign-in page: the challenge's token, which the page's authorization keeps.
  /// `method`: `password`, or the provider that vouched for the person.
  func challenge(
    account: LoginStore.Account, service: ServiceRecord, method: String = "password", client: ClientInfo, requestID: String?
  ) async throws -> String {
    try await store.challenge(
      userID: account.id, serviceID: service.id, clientType: .web, rememberMe: false, method: method, client: client,
      requestID: requestID)
  }

  /// `POST /api/v1/auth/mfa/verify` with an `mfa_token`: the sign-in completes with the same
  /// token response a password sign-in gives.
  func verify(_ request: MFAVerifyRequest, requestID: String?) async throws -> TokenGrant {
    let (account, service, challenge, opened) = try await complete(
      token: request.mfaToken, proof: request.proof, requestID: requestID
    ) { account, service, challenge, proof, connection in
      try await logins.open(
        account: account, service: service, clientType: challenge.clientType,
        rememberMe: challenge.rememberMe, secondFactor: proof, method: challenge.method,
        client: request.client, requestID: requestID, on: connection)
    }
    return try await tokens.grant(account: account, service: service, opened: opened, clientType: challenge.clientType)
  }

  /// A waiting sign-in's second factor checked and spent, and the challenge closed, in the
  /// transaction in which `open` opens what the sign-in was for (`proof` is `totp`,
  /// `backup_code` or `passkey`).
  func complete<Opened: Sendable>(
    token: String, proof body: MFACodeBody, requestID: String?,
    open: (LoginStore.Account, ServiceRecord, MFAStore.Challenge, _ proof: String, PostgresConnection) async throws -> Opened
  ) async throws -> (LoginStore.Account, ServiceRecord, MFAStore.Challenge, Opened) {
    guard let challenge = try await store.openChallenge(token: token),
      let account = try await logins.account(id: challenge.userID), account.isActive,
      let service = try await services.find(id: challenge.serviceID)
    else { throw Self.invalidToken }
    try service.requireOpen()
    if let passkey = body.passkey {
      let opened = try await completeWithPasskey(
        passkey, token: token, account: account, service: service, challenge: challenge, open: open)
      return (account, service, challenge, opened)
    }
    let credential = try await enabledCredential(account.id)
    let proof = try await proof(body, userID: account.id, credential: credential, requestID: requestID)
    do {
      let opened = try await logins.postgres.transaction(logger: logins.logger) { connection in
        guard try await store.complete(token: token, on: connection) else { throw Self.invalidToken }
        guard try await store.spend(proof, userID: account.id, on: connection) else { throw Replayed() }
        return try await open(account, service, challenge, proof.method, connection)
      }
      return (account, service, challenge, opened)
    } catch is Replayed {
      throw try await failure(account.id, reason: "replayed", requestID: requestID)
    }
  }

  /// `POST /api/v1/auth/mfa/verify` with the user's access token instead: the session passes
  /// MFA now (admin routes ask for one within 30 minutes), and a fresh access token says so.
  func stepUp(_ request: MFARequest, caller: SignedInCaller, requestID: String?) async throws -> MFAStepUp {
    let account = try await account(caller.userID)
    guard let sessionID = UUID(uuidString: caller.sessionID ?? "") else { throw Self.sessionEnded }
    let credential = try await enabledCredential(account.id)
    let proof = try await proof(request.body, userID: account.id, credential: credential, requestID: requestID)
    guard let (slug, member, method) = try await store.stepUp(userID: account.id, sessionID: sessionID, proof: proof, requestID: requestID)
    else {
      throw try await failure(account.id, reason: "replayed", requestID: requestID)
    }
    guard let service = try await services.find(slug: slug) else { throw Self.sessionEnded }
    let token = try await tokens.accessToken(
      user: account.summary, tokenVersion: account.tokenVersion, platformRole: account.platformRole, service: service, member: member,
      sessionID: sessionID, mfa: SessionMFA(enabled: true, verifiedAt: Date(), method: method))
    return MFAStepUp(accessToken: token, expiresIn: service.accessTokenTTL)
  }

  // MARK: proofs

  /// The code or backup code checked against the secret, not yet spent; a wrong TOTP code
  /// counts as a failure here.
  private func proof(_ body: MFACodeBody, userID: UUID, credential: MFAStore.Credential, requestID: String?) async throws -> MFAStore.Proof
  {
    if let lockedUntil = credential.lockedUntil { throw Self.locked(until: lockedUntil) }
    guard body.passkey == nil else {
      throw RequestProblems.invalidField.problem("A passkey is the second step of a sign-in only; send a code.", field: "passkey")
    }
    switch (body.code, body.backupCode) {
    case (let code?, nil):
      guard let step = credential.factor.step(of: code) else { throw try await failure(userID, reason: "wrong_code", requestID: requestID) }
      return .totp(step: step)
    case (nil, let backup?):
      return .backupCode(hash: backupCodes.hash(backup, userID: userID))
    default:
      throw RequestProblems.invalidField.problem("Send either code or backup_code.", field: "code")
    }
  }

  /// Records a failed proof and answers the problem to throw: 423 once locked, else 401.
  private func failure(_ userID: UUID, reason: String, requestID: String?) async throws -> Problem {
    if let lockedUntil = try await store.recordFailure(userID: userID, reason: reason, requestID: requestID) {
      return Self.locked(until: lockedUntil)
    }
    return MFAProblems.invalidMFACode.problem("The code is wrong or was already used.")
  }

  private struct Replayed: Error {}

  func account(_ userID: String) async throws -> LoginStore.Account {
    guard let id = UUID(uuidString: userID), let account = try await logins.account(id: id), account.isActive else {
      throw AccountProblems.accountNotFound.problem("No such account.")
    }
    return account
  }

  private func enabledCredential(_ userID: UUID) async throws -> MFAStore.Credential {
    guard let credential = try await store.credential(userID: userID), credential.enabled else {
      throw MFAProblems.mfaNotEnabled.problem("This account has no second factor.")
    }
    return credential
  }

  static func locked(until: Date) -> Problem {
    MFAProblems.mfaLocked.problem("Too many wrong codes. Try again after \(until.formatted(.iso8601)).")
  }

  static let alreadyEnabled = MFAProblems.mfaAlreadyEnabled.problem(
    "Turn it off first (DELETE /api/v1/users/me/mfa/totp) to enrol a new device.")
  static let invalidToken = MFAProblems.invalidMFAToken.problem("The mfa_token is unknown, used or expired; sign in again.")
  static let sessionEnded = SignInProblems.invalidToken.problem("This session has ended.")
}
