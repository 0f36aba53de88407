import Foundation
import PostgresNIO
import Shared

/// The ceremony every use of a passkey shares (docs/passkeys.md): options with a fresh challenge,
/// then the browser's assertion checked against them and the stored passkey, and its counter
/// recorded in the transaction of what the passkey opened. Signing in with a passkey alone (the
/// JSON API and the hosted page) and a passkey as the second factor after a password both use it.
struct PasskeyAssertions: Sendable {
  let store: PasskeyStore
  let challenges: PasskeyChallengeStore
  let party: PasskeyRelyingParty

  /// A passkey that answered: which one, what the options promised, and what it said.
  struct Verified: Sendable {
    let passkey: PasskeyStore.Stored
    let pending: PasskeyChallengeStore.Pending
    let signCount: UInt32
    let userVerified: Bool
    let backedUp: Bool
  }

  /// Options for a ceremony of `service`. At sign-in (`userID` nil) the authenticator offers its
  /// discoverable passkeys and must verify the person; as a second factor only `userID`'s
  /// passkeys (`allowing`, their credential ids) are allowed and presence suffices (the password
  /// was the first factor).
  func options(
    service: ServiceRecord, purpose: PasskeyChallengeStore.Pending.Purpose, userID: UUID? = nil, allowing credentials: [[UInt8]] = []
  ) async throws -> PasskeyRequestOptions {
    let challenge = SecureRandom.bytes(32)
    let id = try await challenges.put(
      .init(
        purpose: purpose, challenge: challenge, userID: userID, service: service.slug, rpID: party.rpID,
        origins: party.origins(for: service)))
    var json = PasskeyRequestJSON(challenge: Base64URL.encode(challenge), rpId: party.rpID)
    if userID != nil {
      json.allowCredentials = credentials.map { PasskeyDescriptor(id: Base64URL.encode($0)) }
      json.userVerification = "preferred"
    }
    return PasskeyRequestOptions(challengeID: id, publicKey: json)
  }

  /// The assertion of ceremony `challengeID` checked (WebAuthn Level 2 section 7.2): the ceremony
  /// is spent whatever the outcome; the passkey must be registered for this RP ID and, when the
  /// options named a person, be theirs.
  func verify(challengeID: String, credential: PasskeyCredential, purpose: PasskeyChallengeStore.Pending.Purpose) async throws
    -> Verified
  {
    let pending = try await challenges.take(challengeID, for: purpose)
    let response = credential.response
    guard let credentialID = Base64URL.decode(credential.id), let clientData = Base64URL.decode(response.clientDataJSON),
      let authenticatorData = response.authenticatorData.flatMap(Base64URL.decode),
      let signature = response.signature.flatMap(Base64URL.decode)
    else {
      throw PasskeyProblems.invalid.problem("Send id, clientDataJSON, authenticatorData and signature, base64url.", field: "credential")
    }
    guard let stored = try await store.find(credentialID: Array(credentialID)), stored.rpID == pending.rpID,
      pending.userID.map({ $0 == stored.userID }) ?? true,
      response.userHandle.flatMap(Base64URL.decode).map({ Array($0) == PasskeySignIn.handle(stored.userID) }) ?? true
    else { throw PasskeyProblems.unknownPasskey.problem("No account has this passkey.") }
    let checked = try PasskeyAssertion.verify(
      authenticatorData: Array(authenticatorData), clientDataJSON: Array(clientData), signature: Array(signature),
      publicKeyCOSE: stored.publicKey, storedSignCount: stored.signCount,
      expecting: PasskeyExpectation(
        challenge: pending.challenge, origins: pending.origins, rpID: pending.rpID, userVerificationRequired: pending.userID == nil))
    return Verified(
      passkey: stored, pending: pending, signCount: checked.signCount, userVerified: checked.userVerified, backedUp: checked.backedUp)
  }

  /// The passkey's new counter, in the transaction of what it opened.
  func recordUse(_ verified: Verified, on connection: PostgresConnection) async throws {
    guard
      try await store.recordUse(
        id: verified.passkey.id, signCount: verified.signCount, backedUp: verified.backedUp, on: connection)
    else {
      throw PasskeyProblems.counterRegressed.problem("Another sign-in with this passkey counted as far or further.")
    }
  }

  /// The authentication methods (RFC 8176) of a sign-in by this passkey: a key held by the
  /// person's device, and the person verified by it.
  static func amr(_ verified: Verified) -> [String] { verified.userVerified ? ["hwk", "user", "mfa"] : ["hwk"] }
}
