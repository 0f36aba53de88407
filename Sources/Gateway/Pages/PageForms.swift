import Hummingbird
import Shared

extension HostedPages {
  /// A signed-in page's form (docs/pages.md): the CSRF check, then `body` makes the answer. A
  /// refusal the person can act on (`shown`, by default anything under 500) goes back to
  /// `page` (at `section`) with its code, to be said there; anything else is the error page.
  func form(
    _ request: Request, _ context: GatewayRequestContext, refusedBackTo page: String, section: String? = nil,
    shown: (Problem) -> Bool = { $0.statusCode < 500 }, _ body: ([String: String]) async throws -> Response
  ) async -> Response {
    await catching(request, context) {
      let form = try await BrowserCookies.form(request)
      do {
        return try await body(form)
      } catch let problem as Problem where shown(problem) {
        return ConsoleForm.back(to: page, section: section, outcome: ("problem", problem.code))
      }
    }
  }
}
