import Shared

/// `/api/v1/users/me/mfa/*`, `/api/v1/users/:user_id/mfa` (docs/admin.md, "TOTP MFA") and
/// `/api/v1/social/*`, `/api/v1/users/me/social-accounts*` (docs/social.md).
enum SocialAPI {
  static let mfa = RequestProblems.all + PlatformProblems.all + MFAProblems.all + AccountProblems.all
  static let social = RequestProblems.all + PlatformProblems.all + SocialProblems.all + AccountProblems.all + SignInProblems.all

  static let operations: [APIOperation] = [
    .init(
      .post, "/api/v1/users/me/mfa/totp", tag: "Second factor", "Start a TOTP enrolment (current_password)", security: [.bearer],
      request: .json(MFACodeBody.self), answers: [.ok(TokenRPC.startTOTP)], problems: mfa),
    .init(
      .post, "/api/v1/users/me/mfa/totp/enable", tag: "Second factor", "Turn TOTP on with its first code: the backup codes",
      security: [.bearer], request: .json(MFACodeBody.self), answers: [.ok(TokenRPC.enableTOTP)], problems: mfa),
    .init(
      .delete, "/api/v1/users/me/mfa/totp", tag: "Second factor", "Turn TOTP off with a code", security: [.bearer],
      request: .json(MFACodeBody.self), answers: [.ok(TokenRPC.disableTOTP)], problems: mfa),
    .init(
      .post, "/api/v1/users/me/mfa/backup-codes", tag: "Second factor", "Replace every backup code", security: [.bearer],
      request: .json(MFACodeBody.self), answers: [.ok(TokenRPC.replaceBackupCodes)], problems: mfa),
    .init(
      .delete, "/api/v1/users/:user_id/mfa", tag: "Second factor", "A SUPER_ADMIN removes a lost second factor", security: [.bearer],
      answers: [.ok(TokenRPC.resetMFA)], problems: mfa),
    .init(
      .get, "/api/v1/social/providers", tag: "Social sign-in", "The providers a service offers (`?service=`)",
      query: [.required("service")],
      answers: [.ok(SocialRPC.providers)], problems: social),
    .init(
      .get, "/api/v1/social/:provider/authorize", tag: "Social sign-in",
      "Start a sign-in: a redirect to the provider (`service`, `redirect_uri`, `state`, `code_challenge`)",
      query: [.required("service"), .required("redirect_uri"), "state", "code_challenge", "code_challenge_method"],
      answers: [.redirect("To the provider", status: 302)], problems: social),
    .init(
      .get, "/api/v1/social/:provider/callback", tag: "Social sign-in", "The provider's redirect back: on to the client's redirect URI",
      query: ["code", "state", "error", "error_description"],
      answers: [.redirect("To the client with a login code, or an error", status: 302)], problems: social),
    .init(
      .post, "/api/v1/social/:provider/callback", tag: "Social sign-in", "The same, posted as a form (Apple's form_post)",
      request: .form("code, state, user"), answers: [.redirect("To the client with a login code, or an error")], problems: social),
    .init(
      .post, "/api/v1/social/token", tag: "Social sign-in", "Exchange the login code (with the PKCE verifier) for tokens",
      request: .json(SocialExchangeBody.self), answers: [.tokens], problems: social),
    .init(
      .get, "/api/v1/users/me/social-accounts", tag: "Social sign-in", "The caller's linked provider accounts", security: [.bearer],
      answers: [.ok(SocialRPC.linkedAccounts)], problems: social),
    .init(
      .post, "/api/v1/users/me/social-accounts/:provider", tag: "Social sign-in", "Start linking a provider account",
      security: [.bearer], request: .json(SocialController.LinkStart.self), answers: [.ok(SocialController.LinkStarted.self)],
      problems: social),
    .init(
      .post, "/api/v1/users/me/social-accounts/:provider/complete", tag: "Social sign-in", "Finish a link with its link_code",
      security: [.bearer], request: .json(SocialController.LinkCode.self), answers: [.ok(SocialRPC.completeLink)], problems: social),
    .init(
      .delete, "/api/v1/users/me/social-accounts/:provider", tag: "Social sign-in", "Unlink a provider account (not the last way in)",
      security: [.bearer], request: .json(SocialController.CurrentPasswordBody.self), answers: [.ok(SocialRPC.unlink)],
      problems: social),
  ]
}
