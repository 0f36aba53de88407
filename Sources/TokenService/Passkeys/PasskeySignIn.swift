import Foundation
import Shared

/// Signing in with a passkey and nothing else through the JSON API (docs/passkeys.md): the
/// options carry no credentials (the authenticator offers its discoverable ones), user
/// verification is required, so the passkey alone proves two factors and the session counts as
/// having passed MFA.
struct PasskeySignIn: Sendable {
  let assertions: PasskeyAssertions
  let services: ServiceStore
  let logins: LoginStore
  let tokens: TokenIssuer

  func options(_ body: PasskeySignInOptionsBody) async throws -> PasskeyRequestOptions {
    try await assertions.options(service: try await services.open(slug: body.service), purpose: .signIn)
  }

  func signIn(_ request: PasskeySignInRequest, requestID: String?) async throws -> TokenGrant {
    let verified = try await assertions.verify(
      challengeID: request.body.challengeID, credential: request.body.credential, purpose: .signIn)
    let service = try await services.open(slug: verified.pending.service)
    let clientType = request.body.clientType ?? .mobile
    guard service.allowedClientTypes.contains(clientType.rawValue) else {
      throw SignInProblems.clientTypeNotAllowed.problem(
        "\(service.slug) does not accept \(clientType.rawValue) clients.", field: "client_type")
    }
    let account = try await Self.account(of: verified, logins: logins, service: service)
    let opened = try await logins.postgres.transaction(logger: logins.logger) { connection in
      try await assertions.recordUse(verified, on: connection)
      return try await logins.open(
        account: account, service: service, clientType: clientType, rememberMe: false, secondFactor: "passkey", method: "passkey",
        client: request.client, requestID: requestID, on: connection)
    }
    return try await tokens.grant(account: account, service: service, opened: opened, clientType: clientType)
  }

  /// The passkey's account, if it may sign in to `service` now.
  static func account(of verified: PasskeyAssertions.Verified, logins: LoginStore, service: ServiceRecord) async throws
    -> LoginStore.Account
  {
    guard let account = try await logins.account(id: verified.passkey.userID) else {
      throw PasskeyProblems.unknownPasskey.problem("No account has this passkey.")
    }
    guard account.isActive else { throw SignInProblems.accountDisabled.problem("This account is disabled.") }
    try service.admits(emailVerified: account.emailVerified)
    return account
  }

  /// The user handle the registration options gave: the account id's 16 bytes.
  static func handle(_ userID: UUID) -> [UInt8] { withUnsafeBytes(of: userID.uuid) { Array($0) } }
}
