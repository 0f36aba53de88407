import Foundation
import Hummingbird
import Shared

/// The forms of the hosted sign-in pages (docs/oidc.md, "Pages"): `POST /signin`, `POST /signup`,
/// `POST /signin/second-factor`, `POST /signin/passkey` (and the passkey options the pages' script
/// asks for first), `POST /consent`, each checked for this browser's CSRF token and continued by
/// token-service; and `GET /assets/{name}`, the pages' stylesheet and scripts.
/// Sign-in attempts count against the same limits as the JSON API's.
struct SignInPagesController: Sendable {
  let rpc: RPCClient
  let limits: RateLimits
  let pages: HostedPages

  func addRoutes(to group: RouterGroup<GatewayRequestContext>) {
    group.post("signin", use: signIn)
      .get("signin", use: pageOfRequest)
      .get("signup", use: pageOfRequest)
      .post("signup", use: signUp)
      .post("signin/second-factor", use: secondFactor)
      .post("signin/passkey/options", use: passkeyOptions)
      .post("signin/second-factor/passkey/options", use: passkeyOptions)
      .post("signin/passkey", use: passkeySignIn)
      .post("consent", use: consent)
      .post("signin/social/{provider}", use: socialSignIn)
      .get("assets/{name}", use: asset)
  }

  @Sendable func signIn(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    await pages.catching(request, context) {
      let form = try await BrowserCookies.form(request)
      let identifier = form["identifier"] ?? form["username"] ?? ""
      let ip = context.client(request).ip ?? "unknown"
      _ = try await limits.enforce([(limits.login, "ip:\(ip)"), (limits.loginUser, "user:\(ip):\(identifier.lowercased())")])
      let step = try await rpc.call(
        TokenRPC.pageSignIn,
        PageSignIn(
          request: form["request"] ?? "", identifier: identifier, password: form["password"] ?? "",
          browser: BrowserCookies.browser(request, context: context)), context: context.rpcContext)
      return await pages.respond(step, request: request, context: context, rpc: rpc)
    }
  }

  /// `GET /signin?request=…` and `GET /signup?request=…`: the links between the two pages.
  @Sendable func pageOfRequest(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    await pages.catching(request, context) {
      let page = request.uri.path.hasSuffix("signup") ? "sign_up" : "sign_in"
      let step = try await rpc.call(
        TokenRPC.pageOfRequest,
        PageRequest(
          request: request.uri.queryParameters["request"].map(String.init) ?? "", page: page,
          browser: BrowserCookies.browser(request, context: context)), context: context.rpcContext)
      return await pages.respond(step, request: request, context: context, rpc: rpc)
    }
  }

  /// `POST /signup`: counted against the registration limit per address.
  @Sendable func signUp(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    await pages.catching(request, context) {
      let form = try await BrowserCookies.form(request)
      _ = try await limits.enforce([(limits.register, "ip:\(context.client(request).ip ?? "unknown")")])
      let step = try await rpc.call(
        TokenRPC.pageSignUp,
        PageSignUp(
          request: form["request"] ?? "", username: form["username"] ?? "", email: form["email"] ?? "",
          password: form["password"] ?? "", firstName: form["first_name"], browser: BrowserCookies.browser(request, context: context)),
        context: context.rpcContext)
      return await pages.respond(step, request: request, context: context, rpc: rpc)
    }
  }

  /// A provider's button: the social flow, coming back to this pending authorization.
  @Sendable func socialSignIn(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    await pages.catching(request, context) {
      let form = try await BrowserCookies.form(request)
      _ = try await limits.enforce([(limits.social, "ip:\(context.client(request).ip ?? "unknown")")])
      let redirect = try await rpc.call(
        SocialRPC.authorize,
        SocialAuthorizeRequest(
          provider: try context.parameters.require("provider"), service: form["service"] ?? "", redirectURI: "", state: nil,
          codeChallenge: nil, codeChallengeMethod: nil, authorization: form["request"] ?? ""),
        context: context.rpcContext)
      return pages.leaving(to: redirect.location, request: request, context: context)
    }
  }

  @Sendable func secondFactor(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    await pages.catching(request, context) {
      let form = try await BrowserCookies.form(request)
      _ = try await limits.enforce([(limits.login, "ip:\(context.client(request).ip ?? "unknown")")])
      let step = try await rpc.call(
        TokenRPC.pageSecondFactor,
        PageSecondFactor(
          request: form["request"] ?? "", code: form["code"] ?? "", passkey: try PasskeyForm.assertion(form),
          browser: BrowserCookies.browser(request, context: context)),
        context: context.rpcContext)
      return await pages.respond(step, request: request, context: context, rpc: rpc)
    }
  }

  /// The options of the sign-in page's passkey, or of the second-factor page's: JSON for the
  /// page's script (a refusal is problem JSON, which the script shows).
  @Sendable func passkeyOptions(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    let form = try await BrowserCookies.form(request)
    _ = try await limits.enforce([(limits.login, "ip:\(context.client(request).ip ?? "unknown")")])
    let options = try await rpc.call(
      TokenRPC.pagePasskeyOptions,
      PagePasskeyOptions(
        request: form["request"] ?? "", secondFactor: request.uri.path.hasPrefix("/signin/second-factor"),
        browser: BrowserCookies.browser(request, context: context)), context: context.rpcContext)
    return try JSONResponse.make(options)
  }

  /// `POST /signin/passkey`: the passkey's answer, posted by the page's script.
  @Sendable func passkeySignIn(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    await pages.catching(request, context) {
      let form = try await BrowserCookies.form(request)
      guard let passkey = try PasskeyForm.assertion(form) else {
        throw PasskeyProblems.invalid.problem("The passkey's answer is missing; try again.", field: "credential")
      }
      let step = try await rpc.call(
        TokenRPC.pagePasskeySignIn,
        PagePasskeySignIn(request: form["request"] ?? "", passkey: passkey, browser: BrowserCookies.browser(request, context: context)),
        context: context.rpcContext)
      return await pages.respond(step, request: request, context: context, rpc: rpc)
    }
  }

  @Sendable func consent(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    await pages.catching(request, context) {
      let form = try await BrowserCookies.form(request)
      let step = try await rpc.call(
        TokenRPC.pageConsent,
        PageConsent(
          request: form["request"] ?? "", allow: form["decision"] == "allow", browser: BrowserCookies.browser(request, context: context)),
        context: context.rpcContext)
      return await pages.respond(step, request: request, context: context, rpc: rpc)
    }
  }

  @Sendable func asset(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    guard let name = context.parameters.get("name"), let response = pages.asset(name) else {
      throw RequestProblems.notFound.problem("No resource at \(request.uri.path).")
    }
    return response
  }
}
