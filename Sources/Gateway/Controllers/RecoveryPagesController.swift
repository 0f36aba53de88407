import Hummingbird
import Shared

/// Account recovery's hosted pages (docs/recovery.md): the mailed links open a page whose button
/// spends the token (a mail scanner that follows links spends nothing), and "forgot your
/// password?" asks for the address. Forms repeat the browser's CSRF token; a refusal the person
/// can fix shows the form again with what went wrong; a dead link is the error page.
struct RecoveryPagesController: Sendable {
  let rpc: RPCClient
  let limits: RateLimits
  let pages: HostedPages

  func addRoutes(to group: RouterGroup<GatewayRequestContext>) {
    group.get("email/verify", use: verifyPage)
      .post("email/verify", use: verify)
      .get("email/verification", use: resendPage)
      .post("email/verification", use: resend)
      .get("password/forgot", use: forgotPage)
      .post("password/forgot", use: forgot)
      .get("password/reset", use: resetPage)
      .post("password/reset", use: reset)
  }

  /// `GET /email/verify?token=`: the button that verifies.
  @Sendable func verifyPage(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    show("email_verify", request, context, values: ["token": Query.optional(request, "token") ?? ""])
  }

  @Sendable func verify(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    await pages.catching(request, context) {
      let form = try await BrowserCookies.form(request)
      let verified = try await rpc.call(
        TokenRPC.verifyEmail, MailedTokenRequest(body: MailedTokenBody(token: form["token"] ?? ""), client: context.client(request)),
        context: context.rpcContext)
      return show("email_verified", request, context, values: ["email": verified.email])
    }
  }

  /// `GET /email/verification?service=`: the address to send the verification link to again
  /// (the sign-in page links here when a service asks for a verified address).
  @Sendable func resendPage(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    show("email_resend", request, context, values: ["service": Query.optional(request, "service") ?? ""])
  }

  /// The same answer whether or not an account has the address, or has it verified already.
  @Sendable func resend(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    await askByAddress(request, context, form: "email_resend", sent: "email_resend_sent") { service, email, client in
      _ = try await rpc.call(
        TokenRPC.requestVerification, VerificationMailRequest(body: VerificationMailBody(service: service, email: email), client: client),
        context: context.rpcContext)
    }
  }

  /// `GET /password/forgot?service=`: the address to send the link to (the sign-in page links
  /// here with its service).
  @Sendable func forgotPage(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    show("password_forgot", request, context, values: ["service": Query.optional(request, "service") ?? ""])
  }

  /// The same answer whether or not an account has the address.
  @Sendable func forgot(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    await askByAddress(request, context, form: "password_forgot", sent: "password_forgot_sent") { service, email, client in
      _ = try await rpc.call(
        TokenRPC.forgotPassword, ForgotPasswordRequest(body: ForgotPasswordBody(service: service, email: email), client: client),
        context: context.rpcContext)
    }
  }

  /// A mail asked for by address (a reset link, a verification link): counted per client and per
  /// address, then `ask`; a mistyped address shows the `form` page again, else the `sent` page.
  private func askByAddress(
    _ request: Request, _ context: GatewayRequestContext, form page: String, sent: String,
    _ ask: (_ service: String, _ email: String, _ client: ClientInfo) async throws -> Void
  ) async -> Response {
    await pages.catching(request, context) {
      let form = try await BrowserCookies.form(request)
      let email = form["email"] ?? ""
      let service = form["service"] ?? ""
      do {
        try await limits.enforcePasswordReset(ip: context.client(request).ip, email: email)
        try await ask(service, email, context.client(request))
      } catch let problem as Problem where RequestProblems.invalidField ~= problem {
        return show(page, request, context, values: ["service": service], typed: ["email": email], problem: problem)
      }
      return show(sent, request, context, values: ["email": email])
    }
  }

  /// `GET /password/reset?token=`: the new password, twice.
  @Sendable func resetPage(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    show("password_reset", request, context, values: ["token": Query.optional(request, "token") ?? ""])
  }

  @Sendable func reset(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    await pages.catching(request, context) {
      let form = try await BrowserCookies.form(request)
      let token = form["token"] ?? ""
      let password = form["password"] ?? ""
      guard password == form["password_confirmation"] else {
        return show("password_reset", request, context, values: ["token": token, "mismatch": true])
      }
      do {
        let done = try await rpc.call(
          TokenRPC.resetPassword,
          ResetPasswordRequest(body: ResetPasswordBody(token: token, password: password), client: context.client(request)),
          context: context.rpcContext)
        return show("password_reset_done", request, context, values: ["sessionsEnded": done.sessionsEnded])
      } catch let problem as Problem where problem.statusCode == 422 {
        // The password's rules (invalid_field, weak_password, breached_password): said on the form.
        return show("password_reset", request, context, values: ["token": token], problem: problem)
      }
    }
  }

  private func show(
    _ name: String, _ request: Request, _ context: GatewayRequestContext, values: [String: Any] = [:], typed: [String: String] = [:],
    problem: Problem? = nil
  ) -> Response {
    var view = PageView(name: name, problem: problem, languages: BrowserCookies.acceptLanguages(request))
    view.typed = typed
    return pages.page(view, request: request, context: context, values: values)
  }
}
