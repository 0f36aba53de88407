import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Shared

/// The OpenID Provider's browser and resource routes under `/oauth` (docs/oidc.md):
/// `GET /oauth/authorize`, `GET|POST /oauth/userinfo`, `GET|POST /oauth/logout`. Refusals a
/// person sees are pages; userinfo answers JSON.
struct OpenIDController: Sendable {
  let rpc: RPCClient
  let pages: HostedPages

  func addRoutes(to group: RouterGroup<GatewayRequestContext>, signedIn: RouterGroup<SignedInContext>) {
    group.get("authorize", use: authorize)
      .post("authorize", use: authorize)
      .get("logout", use: logout)
      .post("logout", use: logout)
    signedIn.get("userinfo", use: userinfo)
      .post("userinfo", use: userinfo)
  }

  @Sendable func authorize(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    await pages.catching(request, context) {
      // OIDC Core 1.0 section 3.1.2.1: GET with a query, or POST with a form.
      let encoded =
        request.method == .post ? try await request.body.collect(upTo: JSONBody.limit) : ByteBuffer(string: request.uri.query ?? "")
      guard let pairs = FormBody.pairs(encoded), pairs.count <= 40 else {
        throw AuthorizationProblems.malformedRequest.problem("The query is not valid URL encoding.")
      }
      var parameters: [String: [String]] = [:]
      for (name, value) in pairs where !value.isEmpty { parameters[name, default: []].append(value) }
      let step = try await rpc.call(
        TokenRPC.authorize, AuthorizeRequest(parameters: parameters, browser: BrowserCookies.browser(request, context: context)),
        context: context.rpcContext)
      return await pages.respond(step, request: request, context: context, rpc: rpc)
    }
  }

  /// RP-initiated logout: the parameters from the query (GET) or the form (POST); a POST that
  /// confirms on our page must carry the page's CSRF token.
  @Sendable func logout(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    await pages.catching(request, context) {
      let form: [String: String]
      if request.method == .post {
        form = try await FormBody.decode(request)
      } else {
        form = Dictionary(FormBody.pairs(ByteBuffer(string: request.uri.query ?? "")) ?? [], uniquingKeysWith: { first, _ in first })
      }
      let confirmed = form["confirm"] == "yes"
      if confirmed, !BrowserCookies.formIsOurs(form, request: request) {
        throw OpenIDProblems.formExpired.problem("This form did not come from this browser's page.")
      }
      let names = ["id_token_hint", "client_id", "post_logout_redirect_uri", "state"]
      func field(_ name: String) -> String? { form[name].flatMap { $0.isEmpty || $0.count > 4096 ? nil : $0 } }
      // An app's cross-site POST carries no SameSite=Lax cookie: the same request as a GET, a
      // top-level navigation that does, finds the browser's session.
      if request.method == .post, !confirmed, BrowserCookies.value(BrowserCookies.session, in: request) == nil {
        let query = URLQuery.encode(names.compactMap { name in field(name).map { (name, $0) } })
        return Response(status: .seeOther, headers: [.location: "/oauth/logout?" + query, .cacheControl: "no-store"])
      }
      let step = try await rpc.call(
        TokenRPC.rpLogout,
        RPLogoutRequest(
          idTokenHint: field("id_token_hint"), clientID: field("client_id"), postLogoutRedirectURI: field("post_logout_redirect_uri"),
          state: field("state"), confirmed: confirmed, browser: BrowserCookies.browser(request, context: context)),
        context: context.rpcContext)
      var response: Response
      if let location = step.redirect {
        response = Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
      } else {
        let fields = names.compactMap { name in field(name).map { ["name": name, "value": $0] } }
        response = pages.page(
          step.page ?? PageView(name: "signed_out"), request: request, context: context, values: ["fields": fields])
      }
      if step.endedSession {
        response.headers.append(HTTPField(name: .setCookie, value: BrowserCookies.expired(BrowserCookies.session)))
      }
      return response
    }
  }

  /// The caller's claims by the scope of their access token (OIDC Core 1.0 section 5.3).
  @Sendable func userinfo(_ request: Request, context: SignedInContext) async throws -> Response {
    var response = try JSONResponse.make(try await rpc.call(TokenRPC.userinfo, NoRequest(), context: context.rpcContext))
    response.headers[.cacheControl] = "no-store"
    return response
  }
}

extension HostedPages {
  /// A page route's body: any problem becomes the error page (never problem JSON, never a 500 page
  /// without its request id).
  func catching(
    _ request: Request, _ context: GatewayRequestContext, _ body: () async throws -> Response
  ) async -> Response {
    do {
      return try await body()
    } catch let problem as Problem {
      return error(problem, request: request, context: context)
    } catch let limited as RateLimited {
      var response = error(limited.problem, request: request, context: context)
      response.headers[.retryAfter] = "\(max(1, limited.decision.retryAfterSeconds))"
      return response
    } catch {
      context.logger.error("a page failed: \(String(reflecting: error))")
      return self.error(Problem.internalError(), request: request, context: context)
    }
  }
}
