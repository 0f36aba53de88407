import Shared

/// The hosted pages (docs/pages.md, docs/oidc.md): HTML for people, signed in by the browser
/// session. Listed so the document names every route; their forms answer 303 back to a page.
enum PagesAPI {
  static func page(
    _ path: String, _ summary: String, signedIn: Bool = true, query: [APIOperation.QueryParameter] = []
  ) -> APIOperation {
    .init(
      .get, path, tag: "Pages", summary, security: signedIn ? [.browser] : [], query: query,
      answers: [.page(), .redirect("To sign in first")])
  }

  static func form(_ path: String, _ summary: String, fields: String = "csrf and the form's fields") -> APIOperation {
    .init(
      .post, path, tag: "Pages", summary, security: [.browser], request: .form(fields),
      answers: [.redirect("Back to the page, saying what happened"), .page("A page with the problem")])
  }

  /// A page script's call for a passkey ceremony's options: JSON, or problem JSON it shows.
  static func passkeyOptions<Q, R>(_ path: String, _ summary: String, _ method: RPCMethod<Q, R>) -> APIOperation {
    .init(
      .post, path, tag: "Pages", summary, security: [.browser], request: .form("csrf, and request or current_password"),
      answers: [.ok(method)], problems: RequestProblems.all + PasskeyProblems.all + OpenIDProblems.all + SignInProblems.all)
  }

  static let operations: [APIOperation] = signIn + account + approval + admin

  static let signIn: [APIOperation] = [
    form("/signin", "Sign in with a password", fields: "csrf, request, identifier, password"),
    page("/signin", "The sign-in page of a pending authorization (`?request=`)", signedIn: false, query: ["request"]),
    page("/signup", "The sign-up page of a pending authorization", signedIn: false, query: ["request"]),
    form("/signup", "Create an account and sign in", fields: "csrf, request, username, email, password"),
    page("/email/verify", "A mailed verification link: the button that verifies (`?token=`)", signedIn: false, query: ["token"]),
    form("/email/verify", "Verify the address", fields: "csrf, token"),
    page("/email/verification", "Ask for the verification link again (`?service=`)", signedIn: false, query: ["service"]),
    form("/email/verification", "Mail the verification link again", fields: "csrf, service, email"),
    page("/password/forgot", "Ask for a password-reset link (`?service=`)", signedIn: false, query: ["service"]),
    form("/password/forgot", "Mail the link", fields: "csrf, service, email"),
    page("/password/reset", "A mailed reset link: the new password (`?token=`)", signedIn: false, query: ["token"]),
    form("/password/reset", "Set the new password", fields: "csrf, token, password, password_confirmation"),
    form(
      "/signin/second-factor", "The second factor of a sign-in",
      fields: "csrf, request, code or backup_code, or challenge_id and credential"),
    passkeyOptions("/signin/passkey/options", "Options for the sign-in page's passkey", TokenRPC.pagePasskeyOptions),
    passkeyOptions("/signin/second-factor/passkey/options", "Options for a passkey as the second factor", TokenRPC.pagePasskeyOptions),
    form("/signin/passkey", "Sign in with a passkey's answer", fields: "csrf, request, challenge_id, credential"),
    form("/consent", "Allow or deny a third-party app", fields: "csrf, request, decision"),
    page("/invitations/accept", "A mailed invitation's page: a username and a password (`?token=`)", signedIn: false, query: ["token"]),
    form(
      "/invitations/accept", "Make the invited account", fields: "csrf, token, username, first_name, password, password_confirmation"),
    form("/signin/social/{provider}", "Sign in with a provider: a page that moves on to it", fields: "csrf, request, service"),
    .init(
      .get, "/assets/{name}", tag: "Pages", "The pages' stylesheet and scripts",
      answers: [.init(status: 200, summary: "The file", body: .empty)], problems: RequestProblems.all),
  ]

  static let account: [APIOperation] = [
    page("/account/callback", "The console's sign-in comes back (code, state)", signedIn: false, query: ["code", "state", "error"]),
    form("/account/sign-out", "Sign the console out"),
    page("/account", "The account console"),
    form("/account/profile", "Change the name or language"),
    form("/account/password", "Change the password"),
    form("/account/email", "Change the e-mail address (a link goes to the new one)", fields: "csrf, email, current_password"),
    form("/account/email/verification", "Mail the verification link again"),
    form("/account/delete", "Delete the account (docs/leaving.md); answers its own page", fields: "csrf, current_password, confirm"),
    form("/account/sessions/{id}/end", "End a session"),
    form("/account/browser-sessions/{id}/end", "Sign a browser out"),
    form("/account/sign-out-everywhere", "End every session"),
    form("/account/consents/{service}/revoke", "Withdraw a consent"),
    form("/account/mfa/totp", "Start a TOTP enrolment"),
    form("/account/mfa/totp/enable", "Turn TOTP on"),
    form("/account/mfa/totp/disable", "Turn TOTP off"),
    form("/account/mfa/backup-codes", "Replace the backup codes"),
    passkeyOptions(
      "/account/passkeys/options", "Options to register a passkey (`current_password`, or a proof in the last 10 minutes)",
      TokenRPC.passkeyRegistrationOptions),
    form("/account/passkeys", "Register the passkey the browser made", fields: "csrf, challenge_id, credential, name"),
    form("/account/passkeys/{id}/rename", "Rename a passkey", fields: "csrf, name"),
    form("/account/passkeys/{id}/remove", "Remove a passkey", fields: "csrf, current_password"),
    form("/account/agreements/{kind}", "Allow or withdraw marketing mail; accept a new version", fields: "csrf, accepted"),
    form("/account/pin", "Change the verification PIN"),
    form("/account/social/link", "Link a provider account"),
    page("/account/social/linked", "A link flow comes back", query: ["link_code", "state", "error"]),
    form("/account/social/unlink", "Unlink a provider account"),
    form("/account/identity/phone", "Set the verification phone number"),
    form("/account/identity/phone/verify", "Prove it with the SMS code"),
  ]

  static let approval: [APIOperation] = [
    page("/approve", "Verification requests waiting for the person"),
    .init(
      .get, "/approve/stream", tag: "Pages", "The approval page's live updates", security: [.browser],
      answers: [.init(status: 200, summary: "Server-Sent Events", body: .eventStream)]),
    form("/approve/{id}/confirm", "Approve with the PIN"),
    form("/approve/{id}/reject", "Refuse"),
  ]

  static let admin: [APIOperation] = [
    page("/admin", "The admin console: services"),
    form("/admin/services", "Create a service"),
    page("/admin/services/{slug}", "A service: its chart, settings and members"),
    form("/admin/services/{slug}", "Change a service's settings"),
    form("/admin/services/{slug}/credentials", "Rotate a service's secret"),
    form("/admin/services/{slug}/members", "Add an existing account as a member", fields: "csrf, email, role"),
    form(
      "/admin/services/{slug}/scopes", "Set a service's scope catalogue, one scope a line (docs/oidc.md)",
      fields: "csrf, scope_catalogue"),
    form("/admin/services/{slug}/members/{user_id}", "Change a member's role, status, granted scopes and own permissions"),
    form("/admin/step-up", "Pass the second factor again"),
    page("/admin/transactions", "Verification transactions across providers"),
    page("/admin/service-providers", "Service providers"),
    form("/admin/service-providers", "Create a service provider"),
    page("/admin/service-providers/{client_id}", "A service provider"),
    form("/admin/service-providers/{client_id}", "Change a service provider"),
    page("/admin/service-providers/{client_id}/transactions", "A provider's transactions"),
    form("/admin/service-providers/{client_id}/secret", "Rotate a provider's secret"),
    form("/admin/service-providers/{client_id}/result-key", "Rotate a provider's result key"),
    form("/admin/service-providers/{client_id}/deliveries/{delivery_id}/resend", "Send a dead callback again"),
    page("/admin/users", "Find accounts"),
    page("/admin/users/{id}", "An account"),
    form("/admin/users/{id}/lock", "Lock an account"),
    form("/admin/users/{id}/unlock", "Unlock an account"),
    form("/admin/users/{id}/sign-out", "Sign an account out everywhere"),
    form("/admin/users/{id}/mfa/reset", "Remove an account's second factor"),
    page("/admin/audit", "The audit log"),
  ]
}
