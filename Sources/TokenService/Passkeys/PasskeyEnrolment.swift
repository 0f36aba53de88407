import Foundation
import Shared

/// The signed-in caller's passkeys (docs/passkeys.md): options to register one (the gateway has
/// passed the account-security gate), the registration, and listing, renaming and removing them.
struct PasskeyEnrolment: Sendable {
  let store: PasskeyStore
  let challenges: PasskeyChallengeStore
  let party: PasskeyRelyingParty
  let services: ServiceStore
  let logins: LoginStore

  func options(caller: SignedInCaller) async throws -> PasskeyCreationOptions {
    let (userID, account) = try await self.account(caller)
    guard let service = try await services.find(slug: caller.service) else { throw Problem.internalError() }
    let challenge = SecureRandom.bytes(32)
    let id = try await challenges.put(
      .init(
        purpose: .register, challenge: challenge, userID: userID, service: service.slug, rpID: party.rpID,
        origins: party.origins(for: service)))
    let options = PasskeyCreationJSON(
      rp: .init(id: party.rpID, name: "Gatehouse"),
      user: .init(
        id: Base64URL.encode(PasskeySignIn.handle(userID)), name: account.username,
        displayName: account.fullName.isEmpty ? account.username : account.fullName),
      challenge: Base64URL.encode(challenge),
      excludeCredentials: try await store.credentialIDs(userID: userID).map { PasskeyDescriptor(id: Base64URL.encode($0)) })
    return PasskeyCreationOptions(challengeID: id, publicKey: options)
  }

  func register(_ request: RegisterPasskeyRequest, caller: SignedInCaller, requestID: String?) async throws -> PasskeyView {
    let (userID, _) = try await account(caller)
    let pending = try await challenges.take(request.body.challengeID, for: .register)
    guard pending.userID == userID else {
      throw PasskeyProblems.ceremonyExpired.problem("This ceremony was started by another account.", field: "challenge_id")
    }
    let response = request.body.credential.response
    guard let attestation = response.attestationObject.flatMap(Base64URL.decode), let clientData = Base64URL.decode(response.clientDataJSON)
    else { throw PasskeyProblems.invalid.problem("Send attestationObject and clientDataJSON, base64url.", field: "credential") }
    let passkey = try PasskeyRegistration.verify(
      attestationObject: Array(attestation), clientDataJSON: Array(clientData),
      expecting: PasskeyExpectation(
        challenge: pending.challenge, origins: pending.origins, rpID: pending.rpID, userVerificationRequired: true))
    let name = try Self.name(request.body.name ?? "Passkey")
    return try await store.add(userID: userID, passkey, rpID: pending.rpID, name: name, client: request.client, requestID: requestID)
  }

  func list(caller: SignedInCaller) async throws -> PasskeyList {
    PasskeyList(passkeys: try await store.list(userID: try await account(caller).0))
  }

  func rename(_ request: RenamePasskeyRequest, caller: SignedInCaller, requestID: String?) async throws -> PasskeyView {
    let (userID, _) = try await account(caller)
    guard let id = UUID(uuidString: request.id),
      let view = try await store.rename(id: id, userID: userID, name: try Self.name(request.name), requestID: requestID)
    else { throw PasskeyProblems.notFound.problem("You have no passkey with this id.") }
    return view
  }

  func remove(_ request: RemovePasskeyRequest, caller: SignedInCaller, requestID: String?) async throws -> PasskeyList {
    let (userID, _) = try await account(caller)
    guard let id = UUID(uuidString: request.id),
      try await store.remove(id: id, userID: userID, client: request.client, requestID: requestID)
    else { throw PasskeyProblems.notFound.problem("You have no passkey with this id.") }
    return PasskeyList(passkeys: try await store.list(userID: userID))
  }

  private func account(_ caller: SignedInCaller) async throws -> (UUID, LoginStore.Account) {
    guard let userID = UUID(uuidString: caller.userID), let account = try await logins.account(id: userID), account.isActive else {
      throw AccountProblems.accountNotFound.problem("No such account.")
    }
    return (userID, account)
  }

  /// 1 to 64 characters without control characters, trimmed.
  static func name(_ typed: String) throws(Problem) -> String {
    let name = typed.trimmingCharacters(in: .whitespaces)
    guard (1...64).contains(name.count), !TextRules.hasControlCharacters(name) else {
      throw RequestProblems.invalidField.problem("A passkey's name is 1 to 64 characters.", field: "name")
    }
    return name
  }
}
