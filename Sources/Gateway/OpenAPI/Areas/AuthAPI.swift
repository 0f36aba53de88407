import Shared

/// `/api/v1/auth/*`, `/api/v1/users/me*` (docs/accounts.md).
enum AuthAPI {
  static let signIn = RequestProblems.all + PlatformProblems.all + SignInProblems.all + MFAProblems.all
  static let account = RequestProblems.all + PlatformProblems.all + AccountProblems.all + SignInProblems.all

  static let operations: [APIOperation] = [
    .init(
      .post, "/api/v1/auth/register", tag: "Accounts", "Create an account in a service", request: .json(RegisterBody.self),
      answers: [.ok(TokenRPC.register, "Created", status: 201)], problems: account),
    .init(
      .post, "/api/v1/auth/login", tag: "Accounts", "Sign in with a password", request: .json(LoginBody.self), answers: [.tokens],
      problems: signIn),
    .init(
      .post, "/api/v1/auth/refresh", tag: "Accounts", "Rotate a refresh token (the body's, or the web client's cookie)",
      request: .json(RefreshBody.self), answers: [.tokens], problems: signIn),
    .init(
      .get, "/api/v1/auth/verify", tag: "Accounts", "Check an access token (`?audience=` a service's slug)", security: [.bearer],
      query: ["audience"],
      answers: [.ok(VerifiedToken.self)], problems: signIn),
    .init(
      .post, "/api/v1/auth/logout", tag: "Accounts", "End this session", security: [.bearer], answers: [.ok(TokenRPC.logout)],
      problems: signIn),
    .init(
      .post, "/api/v1/auth/logout-all", tag: "Accounts", "End every session of the account", security: [.bearer],
      answers: [.ok(TokenRPC.logoutAll)], problems: signIn),
    .init(
      .post, "/api/v1/auth/mfa/verify", tag: "Second factor",
      "Finish a sign-in with its mfa_token and a code or a passkey's answer, or step the caller's session up",
      request: .json(MFAVerifyBody.self),
      answers: [.tokens], problems: signIn),
    .init(
      .get, "/api/v1/users/me", tag: "Accounts", "The caller's profile", security: [.bearer], answers: [.ok(TokenRPC.me)], problems: account
    ),
    .init(
      .patch, "/api/v1/users/me", tag: "Accounts", "Change the caller's name or language", security: [.bearer],
      request: .json(ProfileChanges.self), answers: [.ok(TokenRPC.updateProfile)], problems: account),
    .init(
      .delete, "/api/v1/users/me", tag: "Accounts",
      "Delete the caller's account and erase its personal data everywhere (docs/leaving.md)",
      security: [.bearer], request: .json(AccountDeletionBody.self), answers: [.ok(TokenRPC.deleteAccount)], problems: account),
    .init(
      .post, "/api/v1/users/me/password", tag: "Accounts", "Change the password (ends every other session)", security: [.bearer],
      request: .json(PasswordChangeBody.self), answers: [.ok(TokenRPC.changePassword)], problems: account),
    .init(
      .get, "/api/v1/users/me/agreements", tag: "Accounts", "What the caller agreed to (terms, privacy, marketing), by version",
      security: [.bearer], answers: [.ok(TokenRPC.agreements)], problems: account),
    .init(
      .put, "/api/v1/users/me/agreements/:kind", tag: "Accounts",
      "Accept the current version of `terms`, `privacy` or `marketing`, or withdraw `marketing` (`{accepted: false}`)",
      security: [.bearer], request: .json(AgreementBody.self), answers: [.ok(TokenRPC.changeAgreement)], problems: account),
    .init(
      .get, "/api/v1/users/me/sign-ins", tag: "Accounts",
      "The caller's sign-ins and failed attempts, newest first (`limit` 1 to 100, default 20; `cursor` from `next_cursor`)",
      security: [.bearer], query: [.integer("limit"), "cursor"], answers: [.ok(TokenRPC.signInHistory)], problems: account),
    .init(
      .get, "/api/v1/users/me/sessions", tag: "Accounts", "The caller's open sessions and signed-in browsers", security: [.bearer],
      answers: [.ok(TokenRPC.sessions)], problems: account),
    .init(
      .delete, "/api/v1/users/me/sessions/:id", tag: "Accounts", "End one of the caller's sessions", security: [.bearer],
      answers: [.noContent()], problems: account),
    .init(
      .delete, "/api/v1/users/me/browser-sessions/:id", tag: "Accounts", "Sign one of the caller's browsers out", security: [.bearer],
      answers: [.noContent()], problems: account),
    .init(
      .get, "/api/v1/users/me/consents", tag: "Accounts", "What the caller allowed third-party apps", security: [.bearer],
      answers: [.ok(TokenRPC.consents)], problems: account),
    .init(
      .delete, "/api/v1/users/me/consents/:service", tag: "Accounts", "Withdraw a consent", security: [.bearer],
      answers: [.noContent()], problems: account),
  ]
}
