import Foundation
import HTTPTypes
import Hummingbird
import Shared

/// `/account`, the account console (docs/pages.md): one page of the person's own account, and
/// a form per change, each checked for this browser's CSRF token and answered with a redirect
/// back to its section (post/redirect/get), or with the page that shows a one-time secret (the
/// TOTP enrolment, backup codes). Every change is the JSON API's RPC with the console's token.
struct AccountConsoleController: Sendable {
  let rpc: RPCClient
  let pages: HostedPages
  let signIn: AccountConsoleSignIn

  func addRoutes(to group: RouterGroup<GatewayRequestContext>, signedIn: RouterGroup<SignedInContext>) {
    group.get("callback", use: callback)
      .post("sign-out", use: signOut)
    signedIn.get(use: overview)
      .post("profile", use: updateProfile)
      .post("password", use: changePassword)
      .post("sessions/{id}/end", use: endSession)
      .post("browser-sessions/{id}/end", use: endBrowserSession)
      .post("sign-out-everywhere", use: signOutEverywhere)
      .post("consents/{service}/revoke", use: revokeConsent)
      .post("mfa/totp", use: startTOTP)
      .post("mfa/totp/enable", use: enableTOTP)
      .post("mfa/totp/disable", use: disableTOTP)
      .post("mfa/backup-codes", use: replaceBackupCodes)
      .post("pin", use: changePin)
      .post("email", use: changeEmail)
      .post("email/verification", use: resendVerification)
      .post("agreements/{kind}", use: changeAgreement)
      .post("delete", use: deleteAccount)
  }

  /// `GET /account/callback`: the console's own authorization response.
  @Sendable func callback(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    await pages.catching(request, context) { try await signIn.finish(request, context: context) }
  }

  /// `POST /account/sign-out`: the console's cookies go, then RP-initiated logout ends the
  /// browser session (its page asks the person to confirm) and comes back to `/account`.
  @Sendable func signOut(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    await pages.catching(request, context) {
      _ = try await BrowserCookies.form(request)
      let query = URLQuery.encode([
        ("client_id", AccountConsoleClient.clientID),
        ("post_logout_redirect_uri", AccountConsoleClient.home(issuer: signIn.issuer)),
      ])
      var response = Response(status: .seeOther, headers: [.location: "/oauth/logout?\(query)", .cacheControl: "no-store"])
      for cookie in AccountConsoleSignIn.signedOutCookies { response.headers.append(HTTPField(name: .setCookie, value: cookie)) }
      return response
    }
  }

  /// `GET /account`: profile, password, second factor, passkeys, sessions and the apps allowed in.
  @Sendable func overview(_ request: Request, context: SignedInContext) async throws -> Response {
    await pages.catching(request, context.parent) {
      async let profile = rpc.call(TokenRPC.me, NoRequest(), context: context.rpcContext)
      async let sessions = rpc.call(TokenRPC.sessions, NoRequest(), context: context.rpcContext)
      async let consents = rpc.call(TokenRPC.consents, NoRequest(), context: context.rpcContext)
      // The verification history is idp-service's: without it the rest of the page still shows.
      async let history = rpc.call(IdPRPC.history, HistoryRequest(limit: 10, cursor: nil), context: context.rpcContext)
      // So are the linked accounts social-service's.
      async let linked = rpc.call(SocialRPC.linkedAccounts, NoRequest(), context: context.rpcContext)
      async let providers = rpc.call(
        SocialRPC.providers, SocialProvidersRequest(service: AccountConsoleClient.slug), context: context.rpcContext)
      async let identity = rpc.call(IdPRPC.profile, NoRequest(), context: context.rpcContext)
      async let passkeys = rpc.call(TokenRPC.passkeys, NoRequest(), context: context.rpcContext)
      async let signIns = rpc.call(
        TokenRPC.signInHistory, HistoryRequest(limit: 10, cursor: nil), context: context.rpcContext)
      async let agreements = rpc.call(TokenRPC.agreements, NoRequest(), context: context.rpcContext)
      var identityState = AccountOverview.IdentityState.unavailable
      do { identityState = .profile(try await identity) } catch let problem as Problem
        where problem.code == IdPProblems.profileNotFound.code
      {
        identityState = .none
      } catch {}
      var social: AccountOverview.SignInMethods?
      if let linked = try? await linked, let providers = try? await providers { social = .init(linked: linked, providers: providers) }
      let view = AccountOverview(
        profile: try await profile, sessions: try await sessions, consents: try await consents, history: try? await history,
        social: social, identity: identityState, passkeys: try? await passkeys, signIns: try? await signIns,
        agreements: try? await agreements)
      return pages.page(
        ConsoleForm.view("account", profile: try await profile, request: request), request: request, context: context.parent,
        values: view.values(request: request))
    }
  }

  @Sendable func updateProfile(_ request: Request, context: SignedInContext) async throws -> Response {
    await change(request, context, section: "profile") { form in
      let changes = ProfileChanges(
        firstName: form["first_name"], lastName: form["last_name"], preferredLanguage: form["preferred_language"])
      _ = try await rpc.call(TokenRPC.updateProfile, UpdateProfileRequest(changes: changes), context: context.rpcContext)
      return []
    }
  }

  /// Other sessions end; this one's access token is re-issued, so its cookie is replaced.
  @Sendable func changePassword(_ request: Request, context: SignedInContext) async throws -> Response {
    await change(request, context, section: "password") { form in
      let body = PasswordChangeBody(currentPassword: form["current_password"] ?? "", newPassword: form["new_password"] ?? "")
      let changed = try await rpc.call(
        TokenRPC.changePassword, ChangePasswordRequest(body: body, client: context.client(request)), context: context.rpcContext)
      return AccountConsoleSignIn.cookies(accessToken: changed.accessToken, expiresIn: changed.expiresIn, refreshToken: nil)
    }
  }

  @Sendable func endSession(_ request: Request, context: SignedInContext) async throws -> Response {
    await change(request, context, section: "sessions") { _ in
      let id = try context.parameters.require("id")
      _ = try await rpc.call(TokenRPC.endSession, EndSessionRequest(sessionID: id), context: context.rpcContext)
      return []
    }
  }

  @Sendable func endBrowserSession(_ request: Request, context: SignedInContext) async throws -> Response {
    await change(request, context, section: "sessions") { _ in
      let id = try context.parameters.require("id")
      _ = try await rpc.call(TokenRPC.endBrowserSession, EndBrowserSessionRequest(id: id), context: context.rpcContext)
      return []
    }
  }

  /// Every session and browser session ends, this console's too: the next page asks to sign in.
  @Sendable func signOutEverywhere(_ request: Request, context: SignedInContext) async throws -> Response {
    await change(request, context, section: "sessions") { _ in
      _ = try await rpc.call(TokenRPC.logoutAll, LogoutRequest(client: context.client(request)), context: context.rpcContext)
      return AccountConsoleSignIn.signedOutCookies
    }
  }

  @Sendable func revokeConsent(_ request: Request, context: SignedInContext) async throws -> Response {
    await change(request, context, section: "apps") { _ in
      let service = try context.parameters.require("service")
      _ = try await rpc.call(TokenRPC.revokeConsent, RevokeConsentRequest(service: service), context: context.rpcContext)
      return []
    }
  }

  /// The enrolment page: the QR code, the secret to type in, and the form for the first code.
  @Sendable func startTOTP(_ request: Request, context: SignedInContext) async throws -> Response {
    await secretPage(request, context, section: "mfa") { form in
      let enrolment = try await rpc.call(
        TokenRPC.startTOTP, MFARequest(body: MFACodeBody(currentPassword: form["current_password"] ?? ""), client: context.client(request)),
        context: context.rpcContext)
      // In fours, as authenticator apps show keys; they ignore the spaces.
      let grouped = stride(from: 0, to: enrolment.secret.count, by: 4).map { start in
        String(enrolment.secret.dropFirst(start).prefix(4))
      }.joined(separator: " ")
      return ("account_totp", ["secret": grouped, "qrCode": enrolment.qrCode, "otpauthURI": enrolment.otpauthURI])
    }
  }

  /// TOTP on: the backup codes, shown this once.
  @Sendable func enableTOTP(_ request: Request, context: SignedInContext) async throws -> Response {
    await secretPage(request, context, section: "mfa") { form in
      let codes = try await rpc.call(
        TokenRPC.enableTOTP, MFARequest(body: MFACodeBody(code: form["code"] ?? ""), client: context.client(request)),
        context: context.rpcContext)
      return ("account_codes", ["codes": codes.backupCodes, "enabled": true])
    }
  }

  @Sendable func disableTOTP(_ request: Request, context: SignedInContext) async throws -> Response {
    await change(request, context, section: "mfa") { form in
      _ = try await rpc.call(
        TokenRPC.disableTOTP, MFARequest(body: ConsoleForm.proof(form), client: context.client(request)), context: context.rpcContext)
      return []
    }
  }

  @Sendable func replaceBackupCodes(_ request: Request, context: SignedInContext) async throws -> Response {
    await secretPage(request, context, section: "mfa") { form in
      let codes = try await rpc.call(
        TokenRPC.replaceBackupCodes, MFARequest(body: ConsoleForm.proof(form), client: context.client(request)),
        context: context.rpcContext)
      return ("account_codes", ["codes": codes.backupCodes])
    }
  }

  /// The PIN that approves verification requests (`/approve`).
  @Sendable func changePin(_ request: Request, context: SignedInContext) async throws -> Response {
    await change(request, context, section: "identity") { form in
      let body = PinChangeBody(currentPinCode: form["current_pin"] ?? "", pinCode: form["new_pin"] ?? "")
      _ = try await rpc.call(IdPRPC.changePin, ChangePin(body: body, client: context.client(request)), context: context.rpcContext)
      return []
    }
  }

  /// A new address, behind the account-security gate as on the JSON API (RecoveryController).
  @Sendable func changeEmail(_ request: Request, context: SignedInContext) async throws -> Response {
    await pages.form(request, context.parent, refusedBackTo: "/account", section: "email") { form in
      try await context.reauthenticate("email_change", password: form["current_password"], request: request, rpc: rpc)
      _ = try await rpc.call(
        TokenRPC.changeEmail, ChangeEmailRequest(email: form["email"] ?? "", client: context.client(request)), context: context.rpcContext)
      return ConsoleForm.back(to: "/account", section: "email", outcome: ("done", "email_sent"))
    }
  }

  @Sendable func resendVerification(_ request: Request, context: SignedInContext) async throws -> Response {
    await pages.form(request, context.parent, refusedBackTo: "/account", section: "email") { _ in
      _ = try await rpc.call(
        TokenRPC.resendVerification, ResendVerificationRequest(client: context.client(request)), context: context.rpcContext)
      return ConsoleForm.back(to: "/account", section: "email", outcome: ("done", "email_sent"))
    }
  }

  /// Allow or withdraw marketing mail; accept a new version of the terms or the privacy policy.
  @Sendable func changeAgreement(_ request: Request, context: SignedInContext) async throws -> Response {
    await change(request, context, section: "agreements") { form in
      let change = AgreementChange(
        kind: try context.parameters.require("kind"), accepted: form["accepted"] == "true", client: context.client(request))
      _ = try await rpc.call(TokenRPC.changeAgreement, change, context: context.rpcContext)
      return []
    }
  }

  /// Leaving (docs/leaving.md): behind the account-security gate and a ticked box; then the
  /// console's cookies and the browser's sign-in go too, and a page says what happened.
  @Sendable func deleteAccount(_ request: Request, context: SignedInContext) async throws -> Response {
    await pages.form(request, context.parent, refusedBackTo: "/account", section: "leave") { form in
      guard form["confirm"] == "yes" else {
        throw RequestProblems.invalidField.problem("Tick the box to say you understand the account cannot come back.", field: "confirm")
      }
      let deleted = try await rpc.call(
        TokenRPC.deleteAccount,
        AccountDeletionRequest(body: AccountDeletionBody(currentPassword: form["current_password"]), client: context.client(request)),
        context: context.rpcContext)
      var view = PageView(name: "account_deleted", languages: BrowserCookies.acceptLanguages(request))
      var response = pages.page(view, request: request, context: context.parent, values: ["sessionsEnded": deleted.sessionsEnded])
      for cookie in AccountConsoleSignIn.signedOutCookies + [BrowserCookies.expired(BrowserCookies.session)] {
        response.headers.append(HTTPField(name: .setCookie, value: cookie))
      }
      return response
    }
  }

  /// A change: the form checked, `body` run, then back to the section with what happened (a
  /// refusal is shown there in the person's words; an outage is the error page).
  private func change(
    _ request: Request, _ context: SignedInContext, section: String, _ body: ([String: String]) async throws -> [String]
  ) async -> Response {
    await pages.form(request, context.parent, refusedBackTo: "/account", section: section) { form in
      ConsoleForm.back(to: "/account", section: section, outcome: ("done", section), cookies: try await body(form))
    }
  }

  /// A form whose answer is a page of its own, showing something only this once.
  private func secretPage(
    _ request: Request, _ context: SignedInContext, section: String,
    _ body: ([String: String]) async throws -> (template: String, values: [String: Any])
  ) async -> Response {
    await pages.form(request, context.parent, refusedBackTo: "/account", section: section) { form in
      let (template, values) = try await body(form)
      let profile = try await rpc.call(TokenRPC.me, NoRequest(), context: context.rpcContext)
      return pages.page(
        ConsoleForm.view(template, profile: profile, request: request), request: request, context: context.parent, values: values)
    }
  }
}
