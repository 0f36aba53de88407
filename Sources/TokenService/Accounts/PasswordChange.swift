import Foundation
import Shared

/// `token.change_password`: the signed-in user proves the current password and sets a new one.
/// Every other session ends and every access token issued before stops verifying; the current
/// session continues with a fresh access token. Wrong current passwords count towards the same
/// lock-out as sign-ins, so a stolen access token cannot be used to guess the password.
struct PasswordChange: Sendable {
  let services: ServiceStore
  let logins: LoginStore
  let currentPassword: CurrentPassword
  let firstParty: FirstParty
  let accounts: AccountStore
  let hasher: PasswordHasher
  let passwords: PasswordPolicy
  let tokens: TokenIssuer
  let revocations: RevocationPublisher

  func change(_ request: ChangePasswordRequest, caller: SignedInCaller, requestID: String?) async throws -> PasswordChanged {
    guard let userID = UUID(uuidString: caller.userID), let sessionID = UUID(uuidString: caller.sessionID ?? ""),
      let account = try await logins.account(id: userID), account.isActive
    else {
      throw AccountProblems.accountNotFound.problem("No such account.")
    }
    _ = try await firstParty.require(caller.service)
    guard let currentHash = account.passwordHash else {
      throw AccountProblems.noPassword.problem("This account signs in without a password, so there is none to change.")
    }
    try await currentPassword.check(
      request.body.currentPassword, against: currentHash, userID: userID,
      serviceID: { try await services.find(slug: caller.service)?.id }, client: request.client,
      requestID: requestID)
    try await passwords.check(request.body.newPassword, field: "new_password", owner: (account.username, account.email))
    guard request.body.newPassword != request.body.currentPassword else {
      throw RequestProblems.invalidField.problem("The new password is the current one.", field: "new_password")
    }
    let newHash = try await hasher.hash(request.body.newPassword)
    guard
      let outcome = try await accounts.changePassword(
        userID: userID, keeping: sessionID, newHash: newHash, client: request.client, requestID: requestID),
      let service = try await services.find(slug: outcome.serviceSlug)
    else {
      throw SignInProblems.invalidToken.problem("This session has ended.")
    }
    try await revocations.raise(userID: caller.userID, to: outcome.tokenVersion)
    let token = try await tokens.accessToken(
      user: account.summary, tokenVersion: outcome.tokenVersion, platformRole: account.platformRole, service: service,
      member: outcome.member,
      sessionID: sessionID, mfa: outcome.mfa)
    return PasswordChanged(sessionsEnded: outcome.sessionsEnded, accessToken: token, expiresIn: service.accessTokenTTL)
  }
}
