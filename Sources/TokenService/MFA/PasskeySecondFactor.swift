import Foundation
import PostgresNIO
import Shared

/// A passkey as the second step of a sign-in (docs/passkeys.md, "As a second factor"): where a
/// password sign-in waits on its second factor, a passkey of the same account may answer in place
/// of a code. Presence suffices (the password was the first factor); wrong answers do not count
/// towards the code lock-out, since a signature cannot be guessed.
extension MultiFactor {
  /// `POST /api/v1/auth/mfa/passkey/options`: options naming the waiting account's passkeys.
  func passkeyOptions(_ body: MFAPasskeyOptionsBody) async throws -> PasskeyRequestOptions {
    guard let challenge = try await store.openChallenge(token: body.mfaToken),
      let service = try await services.find(id: challenge.serviceID)
    else { throw Self.invalidToken }
    try service.requireOpen()
    let credentials = try await passkeys.store.credentialIDs(userID: challenge.userID)
    guard !credentials.isEmpty else {
      throw PasskeyProblems.notFound.problem("This account has no passkey; send a code from the authenticator app.")
    }
    return try await passkeys.options(service: service, purpose: .secondFactor, userID: challenge.userID, allowing: credentials)
  }

  /// The account has a passkey to answer a second step with.
  func hasPasskey(_ userID: UUID) async throws -> Bool { !(try await passkeys.store.credentialIDs(userID: userID).isEmpty) }

  /// The passkey's answer checked, then the challenge closed and the counter recorded in the
  /// transaction in which `open` opens what the sign-in was for.
  func completeWithPasskey<Opened: Sendable>(
    _ body: PasskeyAssertionBody, token: String, account: LoginStore.Account, service: ServiceRecord, challenge: MFAStore.Challenge,
    open: (LoginStore.Account, ServiceRecord, MFAStore.Challenge, _ proof: String, PostgresConnection) async throws -> Opened
  ) async throws -> Opened {
    let verified = try await passkeys.verify(challengeID: body.challengeID, credential: body.credential, purpose: .secondFactor)
    guard verified.pending.userID == account.id, verified.pending.service == service.slug else {
      throw PasskeyProblems.ceremonyExpired.problem("These options were for another sign-in; ask for new ones.", field: "challenge_id")
    }
    return try await logins.postgres.transaction(logger: logins.logger) { connection in
      guard try await store.complete(token: token, on: connection) else { throw Self.invalidToken }
      try await passkeys.recordUse(verified, on: connection)
      return try await open(account, service, challenge, "passkey", connection)
    }
  }
}
