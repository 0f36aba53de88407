import Shared

/// Account recovery (docs/recovery.md): the mailed links' tokens and asking for them.
enum RecoveryAPI {
  static let problems = RequestProblems.all + PlatformProblems.all + RecoveryProblems.all + AccountProblems.all

  static let operations: [APIOperation] = [
    .init(
      .post, "/api/v1/auth/email/verify", tag: "Account recovery", "Verify an e-mail address with the token of its mailed link",
      request: .json(MailedTokenBody.self), answers: [.ok(TokenRPC.verifyEmail)], problems: problems),
    .init(
      .post, "/api/v1/auth/email/verification", tag: "Account recovery",
      "Mail the verification link again to the account at this address, if it is unverified (the answer is the same either way)",
      request: .json(VerificationMailBody.self), answers: [.ok(TokenRPC.requestVerification, "Accepted", status: 202)],
      problems: problems),
    .init(
      .post, "/api/v1/auth/password/forgot", tag: "Account recovery",
      "Mail a password-reset link to the account at this address, if there is one (the answer is the same either way)",
      request: .json(ForgotPasswordBody.self), answers: [.ok(TokenRPC.forgotPassword, "Accepted", status: 202)], problems: problems),
    .init(
      .post, "/api/v1/auth/password/reset", tag: "Account recovery",
      "Set a new password with the token of a reset link (ends every session)", request: .json(ResetPasswordBody.self),
      answers: [.ok(TokenRPC.resetPassword)], problems: problems),
    .init(
      .post, "/api/v1/users/me/email/verification", tag: "Account recovery",
      "Mail the caller's verification link again (for the address waiting to replace theirs, if any)", security: [.bearer],
      answers: [.ok(TokenRPC.resendVerification, "Accepted", status: 202)], problems: problems + SignInProblems.all),
    .init(
      .post, "/api/v1/users/me/email", tag: "Account recovery",
      "Change the caller's address: it waits for its mailed link, the old one is told (first-party app and proof needed)",
      security: [.bearer], request: .json(ChangeEmailBody.self), answers: [.ok(TokenRPC.changeEmail, "Accepted", status: 202)],
      problems: problems + SignInProblems.all),
  ]
}
