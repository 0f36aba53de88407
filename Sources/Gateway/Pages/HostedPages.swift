import Foundation
import HTTPTypes
import Hummingbird
import Shared

/// Turns token-service's answers into what the browser gets: a redirect, the form_post page, or
/// a page with its CSRF cookie; and serves the pages' stylesheet and script.
struct HostedPages: Sendable {
  let renderer: PageRenderer
  let assets: [String: (type: String, body: ByteBuffer)]

  static func load() async throws -> HostedPages {
    let folder = try PageRenderer.resourceFolder().appendingPathComponent("Assets")
    var assets: [String: (type: String, body: ByteBuffer)] = [:]
    for (name, type) in [
      ("gatehouse.css", "text/css; charset=utf-8"), ("form-post.js", "text/javascript; charset=utf-8"),
      ("approve.js", "text/javascript; charset=utf-8"), ("passkey.js", "text/javascript; charset=utf-8"),
    ] {
      let data = try Data(contentsOf: folder.appendingPathComponent(name))
      assets[name] = (type, ByteBuffer(bytes: data))
    }
    return HostedPages(renderer: try await PageRenderer.load(), assets: assets)
  }

  /// The browser's next step.
  func respond(_ step: AuthorizationStep, request: Request, context: GatewayRequestContext) -> Response {
    var response: Response
    if let location = step.redirect {
      response = Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    } else if let post = step.formPost {
      let view = PageView(
        name: "form_post", clientOrigin: RedirectURIRule.formActionSource(post.action),
        languages: BrowserCookies.acceptLanguages(request))
      let fields = post.fields.filter { $0.count == 2 }.map { ["name": $0[0], "value": $0[1]] }
      response = renderer.render(
        PageRenderer.Page(template: "form_post", view: view, values: ["action": post.action, "fields": fields]),
        requestID: context.requestID)
    } else if let view = step.page {
      response = page(view, request: request, context: context)
    } else {
      response = error(Problem.internalError(), request: request, context: context)
    }
    if let session = step.newSession {
      response.headers.append(
        HTTPField(name: .setCookie, value: BrowserCookies.set(BrowserCookies.session, session.token, maxAge: session.maxAge)))
    }
    return response
  }

  /// The browser's next step, the sign-in page with the service's social providers as buttons
  /// (asked of social-service; without them when it cannot answer).
  func respond(_ step: AuthorizationStep, request: Request, context: GatewayRequestContext, rpc: RPCClient) async -> Response {
    var step = step
    if var view = step.page, view.name == "sign_in", let service = view.service,
      let list = try? await rpc.call(SocialRPC.providers, SocialProvidersRequest(service: service), context: context.rpcContext)
    {
      view.providers = list.providers
      step.page = view
    }
    return respond(step, request: request, context: context)
  }

  /// A page, with the CSRF cookie its form repeats (the browser's own, or a new one).
  func page(_ view: PageView, request: Request, context: GatewayRequestContext, values: [String: Any] = [:]) -> Response {
    let existing = BrowserCookies.value(BrowserCookies.csrf, in: request)
    let token = existing ?? Base64URL.encode(SecureRandom.bytes(24))
    let status = view.name == "error" ? HTTPResponse.Status(code: view.problem?.statusCode ?? 400) : .ok
    var all = values
    all["csrf"] = token
    var response = renderer.render(
      PageRenderer.Page(template: view.name, view: view, status: status, values: all), requestID: context.requestID)
    if existing == nil {
      response.headers.append(HTTPField(name: .setCookie, value: BrowserCookies.set(BrowserCookies.csrf, token)))
    }
    return response
  }

  /// On to another site (a provider) after a form: a page that moves on by itself (and a link,
  /// should it not), not a redirect, because the pages allow forms to lead only to Gatehouse
  /// (CSP `form-action`), which browsers also apply to the redirects that answer a form.
  func leaving(to location: String, request: Request, context: GatewayRequestContext, languages: [String] = []) -> Response {
    let view = PageView(name: "leaving", languages: languages + BrowserCookies.acceptLanguages(request))
    return page(view, request: request, context: context, values: ["moveOn": location])
  }

  /// The error page for a problem.
  func error(_ problem: Problem, request: Request, context: GatewayRequestContext) -> Response {
    page(PageView(name: "error", problem: problem, languages: BrowserCookies.acceptLanguages(request)), request: request, context: context)
  }

  /// `GET /assets/{name}`.
  func asset(_ name: String) -> Response? {
    guard let asset = assets[name] else { return nil }
    return Response(
      status: .ok, headers: [.contentType: asset.type, .cacheControl: "public, max-age=3600"], body: ResponseBody(byteBuffer: asset.body))
  }
}
