import Foundation
import HTTPTypes
import Hummingbird
import Shared

/// What every admin console page shares (docs/pages.md): the signed-in admin's role decides the
/// menu; a page that needs a recent second factor shows the step-up form instead and comes back;
/// a refusal the admin can act on goes back to the page with its code; anything else is the
/// error page (a SERVICE_ADMIN's look at another's service is its 404).
struct AdminPages: Sendable {
  let rpc: RPCClient
  let pages: HostedPages
  /// Each admin's language, so a page costs no profile read: a change is seen within 30 s.
  let languages = ShortLivedCache<String, String>(lifetime: .seconds(30))

  /// Renders `template` with what `load` makes of the reader's words (for the charts' labels);
  /// `load` may throw the step-up problem, which shows the step-up form instead.
  func page(
    _ template: String, _ request: Request, _ context: SignedInContext, _ load: ([String: String]) async throws -> [String: Any]
  ) async -> Response {
    await pages.catching(request, context.parent) {
      let view = try await view(template, request, context)
      do {
        var values = try await load(pages.renderer.words[PageRenderer.language(view.languages)] ?? [:])
        values.merge(Self.menu(context.user)) { mine, _ in mine }
        values.merge(ConsoleForm.outcome(request)) { mine, _ in mine }
        return pages.page(view, request: request, context: context.parent, values: values)
      } catch let problem as Problem where MFAProblems.mfaStepUpRequired ~= problem {
        let values = ConsoleForm.outcome(request).merging(["returnTo": AccountConsoleSignIn.safePage(request.uri.path)]) { _, new in new }
        return pages.page(try await self.view("admin_step_up", request, context), request: request, context: context.parent, values: values)
      }
    }
  }

  /// A change: the form checked, `body` run, then back to `page` with what happened (another's
  /// service, a 404, is the error page, as when read).
  func change(
    _ request: Request, _ context: SignedInContext, backTo page: String, _ body: ([String: String]) async throws -> Void
  ) async -> Response {
    await pages.form(request, context.parent, refusedBackTo: page, shown: Self.shown) { form in
      try await body(form)
      return ConsoleForm.back(to: page, outcome: ("done", "admin"))
    }
  }

  /// A form whose answer shows secrets once (new credentials): never a redirect.
  func secrets(
    _ request: Request, _ context: SignedInContext, backTo page: String, _ body: ([String: String]) async throws -> [String: Any]
  ) async -> Response {
    await pages.form(request, context.parent, refusedBackTo: page, shown: Self.shown) { form in
      var values = try await body(form)
      values["backTo"] = page
      values.merge(Self.menu(context.user)) { mine, _ in mine }
      return pages.page(try await view("admin_secrets", request, context), request: request, context: context.parent, values: values)
    }
  }

  /// Refusals an admin can act on, said on the page they came from.
  private static func shown(_ problem: Problem) -> Bool { problem.statusCode < 500 && problem.statusCode != 404 }

  /// An admin page's view, in the admin's own language first.
  private func view(_ template: String, _ request: Request, _ context: SignedInContext) async throws -> PageView {
    let language = try await languages.value(for: context.user.sub) {
      try await rpc.call(TokenRPC.me, NoRequest(), context: context.rpcContext).preferredLanguage
    }
    return PageView(
      name: template, serviceName: "Gatehouse Admin", languages: [language ?? "en"] + BrowserCookies.acceptLanguages(request))
  }

  /// The menu a role sees: services and providers for admins, accounts for SUPER_ADMINs and
  /// auditors, the audit log for admins and auditors.
  static func menu(_ user: AccessTokenClaims) -> [String: Any] {
    let role = PlatformRole(rawValue: user.platformRole ?? "")
    let admin = role == .superAdmin || role == .serviceAdmin
    return [
      "isAdmin": admin, "canAudit": admin || role == .auditor, "canSeeUsers": role == .superAdmin || role == .auditor,
      "role": user.platformRole ?? "USER", "wide": true,
    ]
  }

  /// Lines of a textarea, trimmed, without empty ones.
  static func lines(_ text: String?) -> [String]? {
    text.map { $0.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
  }
}
