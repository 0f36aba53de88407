import Foundation
import Shared

/// Signing in with a passkey and nothing else (docs/passkeys.md): the options carry no
/// credentials (the authenticator offers its discoverable ones), user verification is required,
/// so the passkey alone proves two factors and the session counts as having passed MFA.
struct PasskeySignIn: Sendable {
  let store: PasskeyStore
  let challenges: PasskeyChallengeStore
  let party: PasskeyRelyingParty
  let services: ServiceStore
  let logins: LoginStore
  let tokens: TokenIssuer

  func options(_ body: PasskeySignInOptionsBody) async throws -> PasskeyRequestOptions {
    let service = try await services.open(slug: body.service)
    let challenge = SecureRandom.bytes(32)
    let id = try await challenges.put(
      .init(
        purpose: .signIn, challenge: challenge, userID: nil, service: service.slug, rpID: party.rpID,
        origins: party.origins(for: service)))
    return PasskeyRequestOptions(challengeID: id, publicKey: PasskeyRequestJSON(challenge: Base64URL.encode(challenge), rpId: party.rpID))
  }

  func signIn(_ request: PasskeySignInRequest, requestID: String?) async throws -> TokenGrant {
    let pending = try await challenges.take(request.body.challengeID, for: .signIn)
    let service = try await services.open(slug: pending.service)
    let clientType = request.body.clientType ?? .mobile
    guard service.allowedClientTypes.contains(clientType.rawValue) else {
      throw SignInProblems.clientTypeNotAllowed.problem(
        "\(service.slug) does not accept \(clientType.rawValue) clients.", field: "client_type")
    }
    let response = request.body.credential.response
    guard let credentialID = Base64URL.decode(request.body.credential.id), let clientData = Base64URL.decode(response.clientDataJSON),
      let authenticatorData = response.authenticatorData.flatMap(Base64URL.decode),
      let signature = response.signature.flatMap(Base64URL.decode)
    else {
      throw PasskeyProblems.invalid.problem("Send id, clientDataJSON, authenticatorData and signature, base64url.", field: "credential")
    }
    guard let stored = try await store.find(credentialID: Array(credentialID)), stored.rpID == pending.rpID,
      response.userHandle.flatMap(Base64URL.decode).map({ Array($0) == Self.handle(stored.userID) }) ?? true,
      let account = try await logins.account(id: stored.userID)
    else { throw PasskeyProblems.unknownPasskey.problem("No account has this passkey.") }
    let checked = try PasskeyAssertion.verify(
      authenticatorData: Array(authenticatorData), clientDataJSON: Array(clientData), signature: Array(signature),
      publicKeyCOSE: stored.publicKey, storedSignCount: stored.signCount,
      expecting: PasskeyExpectation(
        challenge: pending.challenge, origins: pending.origins, rpID: pending.rpID, userVerificationRequired: true))
    guard account.isActive else { throw SignInProblems.accountDisabled.problem("This account is disabled.") }
    try service.admits(emailVerified: account.emailVerified)
    let opened = try await logins.postgres.transaction(logger: logins.logger) { connection in
      guard try await store.recordUse(id: stored.id, signCount: checked.signCount, backedUp: checked.backedUp, on: connection) else {
        throw PasskeyProblems.counterRegressed.problem("Another sign-in with this passkey counted as far or further.")
      }
      return try await logins.open(
        account: account, service: service, clientType: clientType, rememberMe: false, secondFactor: "passkey", method: "passkey",
        client: request.client, requestID: requestID, on: connection)
    }
    return try await tokens.grant(account: account, service: service, opened: opened, clientType: clientType)
  }

  /// The user handle the registration options gave: the account id's 16 bytes.
  static func handle(_ userID: UUID) -> [UInt8] { withUnsafeBytes(of: userID.uuid) { Array($0) } }
}
