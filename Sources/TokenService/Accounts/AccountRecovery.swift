import Foundation
import Shared

/// `token.verify_email`, `token.resend_verification`, `token.forgot_password` and
/// `token.reset_password` (docs/recovery.md): the rules before the store. Without mail
/// (`GATEHOUSE_SMTP_HOST` unset) each answers `mail_unavailable`.
struct AccountRecovery: Sendable {
  let store: AccountRecoveryStore?
  let services: ServiceStore
  let logins: LoginStore
  let hasher: PasswordHasher
  let passwords: PasswordPolicy
  let revocations: RevocationPublisher

  func verifyEmail(_ request: MailedTokenRequest, requestID: String?) async throws -> EmailVerified {
    let (email, service) = try await available().verifyEmail(token: request.body.token, client: request.client, requestID: requestID)
    return EmailVerified(email: email, service: service)
  }

  /// The caller's verification mail again: for the address waiting to replace theirs, else for
  /// theirs while it is unverified (`email_already_verified` otherwise).
  func resendVerification(_ request: ResendVerificationRequest, caller: SignedInCaller, requestID: String?) async throws -> MailAccepted {
    let store = try available()
    guard let userID = UUID(uuidString: caller.userID), let account = try await logins.account(id: userID), account.isActive else {
      throw AccountProblems.accountNotFound.problem("No such account.")
    }
    guard let unproven = account.pendingEmail ?? (account.emailVerified ? nil : account.email) else {
      throw RecoveryProblems.emailAlreadyVerified.problem("\(account.summary.email) is verified already.")
    }
    let service = try await services.find(slug: caller.service)
    try await store.queue(
      AccountMailJob(
        kind: .verifyEmail, userID: userID, email: unproven, serviceID: service?.id, requestID: requestID, ip: request.client.ip))
    return MailAccepted()
  }

  /// A new address for the caller: it waits in `pending_email` until its link is opened, and
  /// the old one keeps working meanwhile. Another account's address is `email_taken`.
  func changeEmail(_ request: ChangeEmailRequest, caller: SignedInCaller, requestID: String?) async throws -> MailAccepted {
    let store = try available()
    let email = try EmailRules.checked(request.email)
    guard let userID = UUID(uuidString: caller.userID), let account = try await logins.account(id: userID), account.isActive else {
      throw AccountProblems.accountNotFound.problem("No such account.")
    }
    guard email.lowercased() != account.email.lowercased() else {
      throw RequestProblems.invalidField.problem("This is the account's address already.", field: "email")
    }
    let service = try await services.find(slug: caller.service)
    try await store.changeEmail(
      userID: userID, from: account.email, to: email, serviceID: service?.id, client: request.client, requestID: requestID)
    return MailAccepted()
  }

  /// Queues the request and nothing else, so that a known and an unknown address answer alike
  /// and take the same time: the mail worker looks the address up (MailDelivery).
  func forgotPassword(_ request: ForgotPasswordRequest, requestID: String?) async throws -> MailAccepted {
    try await queueByAddress(.resetRequested, service: request.body.service, email: request.body.email, request.client, requestID)
  }

  /// The verification mail again for whoever has the address, asked without signing in (a
  /// service that requires a verified address lets no one sign in first): like a forgotten
  /// password, the same answer and work whether or not an account has it.
  func requestVerification(_ request: VerificationMailRequest, requestID: String?) async throws -> MailAccepted {
    try await queueByAddress(.verifyEmail, service: request.body.service, email: request.body.email, request.client, requestID)
  }

  /// One outbox row for the account at `email`, if any: the mail worker looks it up.
  private func queueByAddress(
    _ kind: AccountMailJob.Kind, service slug: String, email typed: String, _ client: ClientInfo, _ requestID: String?
  ) async throws -> MailAccepted {
    let store = try available()
    let email = try EmailRules.checked(typed)
    let service = try await services.open(slug: slug)
    try await store.queue(AccountMailJob(kind: kind, email: email, serviceID: service.id, requestID: requestID, ip: client.ip))
    return MailAccepted()
  }

  func resetPassword(_ request: ResetPasswordRequest, requestID: String?) async throws -> PasswordResetDone {
    let store = try available()
    // Compared with the link's account while it is still good; a bad link is refused below.
    let owner = try await store.tokens.holder(of: request.body.token, .resetPassword, on: store.postgres)
    try await passwords.check(request.body.password, field: "password", owner: owner)
    let hash = try await hasher.hash(request.body.password)
    let outcome = try await store.resetPassword(token: request.body.token, passwordHash: hash, client: request.client, requestID: requestID)
    try await revocations.raise(userID: outcome.userID.uuidString.lowercased(), to: outcome.tokenVersion)
    return PasswordResetDone(sessionsEnded: outcome.sessionsEnded, service: outcome.service)
  }

  private func available() throws(Problem) -> AccountRecoveryStore {
    guard let store else { throw RecoveryProblems.mailUnavailable.problem("This deployment sends no mail.") }
    return store
  }
}
