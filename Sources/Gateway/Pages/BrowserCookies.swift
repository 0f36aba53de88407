import Foundation
import Hummingbird
import Shared

/// The hosted pages' cookies (docs/oidc.md, "Single sign-on" and "Pages"): the browser session
/// (`__Host-gh_session`, its random token; token-service keeps only its hash) and the CSRF token
/// every form repeats in a hidden field (`__Host-gh_csrf`, double submit). Both are HttpOnly,
/// Secure, bound to this host and `/`, and SameSite=Lax: sent when an app sends the browser to
/// `/oauth/authorize`, never on another site's form post.
enum BrowserCookies {
  static let session = "__Host-gh_session"
  static let csrf = "__Host-gh_csrf"

  static func value(_ name: String, in request: Request, maxLength: Int = 256) -> String? {
    guard let value = request.cookies[name]?.value, !value.isEmpty, value.count <= maxLength else { return nil }
    return value
  }

  static func set(_ name: String, _ value: String, maxAge: Int? = nil) -> String {
    "\(name)=\(value);\(maxAge.map { " Max-Age=\($0);" } ?? "") Path=/; Secure; HttpOnly; SameSite=Lax"
  }

  static func expired(_ name: String) -> String { "\(name)=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax" }

  /// The browser as token-service needs it.
  static func browser(_ request: Request, context: GatewayRequestContext) -> BrowserInfo {
    BrowserInfo(
      session: value(session, in: request), client: context.client(request), languages: acceptLanguages(request))
  }

  /// `Accept-Language`'s tags by preference (RFC 9110 section 12.5.4), at most ten.
  static func acceptLanguages(_ request: Request) -> [String] {
    guard let header = request.headers[.acceptLanguage] else { return [] }
    let weighted = header.split(separator: ",").prefix(10).compactMap { part -> (String, Double)? in
      let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
      guard let tag = pieces.first, !tag.isEmpty, tag.count <= 35 else { return nil }
      let q = pieces.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
      return (tag, q)
    }
    return weighted.filter { $0.1 > 0 }.sorted { $0.1 > $1.1 }.map(\.0)
  }

  /// Whether a form's `csrf` field repeats this browser's CSRF cookie.
  static func formIsOurs(_ form: [String: String], request: Request) -> Bool {
    guard let cookie = value(csrf, in: request), let field = form["csrf"] else { return false }
    return ConstantTime.equal(Array(cookie.utf8), Array(field.utf8))
  }

  /// A page's posted form, refused unless it repeats this browser's CSRF token.
  static func form(_ request: Request) async throws -> [String: String] {
    let form = try await FormBody.decode(request)
    guard formIsOurs(form, request: request) else {
      throw OpenIDProblems.formExpired.problem("This form did not come from this browser's page, or its page is too old.")
    }
    return form
  }
}
