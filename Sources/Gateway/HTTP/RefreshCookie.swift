import Foundation
import Hummingbird
import Shared

/// A web client's refresh token, which travels only in a cookie of its own service:
/// `__Host-gh_refresh_<slug>` (docs/accounts.md, "Refresh"). One name for every service let the
/// second web service a person signed in to overwrite the first one's token, and a logout of
/// either cleared both. Slugs are `[a-z0-9-]`, all allowed in a cookie name (RFC 6265 token), so
/// the slug goes in as it is.
enum RefreshCookie {
  static let prefix = "__Host-gh_refresh_"
  /// The one name every service once shared. A refresh still reads it, once: that
  /// refresh sets the service's own cookie and expires this one.
  static let legacyName = "__Host-gh_refresh"

  static func name(service slug: String) -> String { prefix + slug }

  /// `__Host-` binds it to this host, `/` and Secure; HttpOnly keeps scripts away from it.
  static func header(_ grant: TokenGrant) -> String {
    "\(name(service: grant.service.slug))=\(grant.refreshToken); Max-Age=\(grant.refreshExpiresIn); "
      + "Path=/; Secure; HttpOnly; SameSite=Lax"
  }

  static func expired(_ name: String) -> String {
    "\(name)=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax"
  }

  /// The cookie a cookie refresh spends, and the service its token must belong to.
  struct Presented {
    let token: String
    /// The service the token must be of: the cookie's own, or the one the client named
    /// (nil for the legacy cookie when the client named none).
    let service: String?
    let isLegacy: Bool
  }

  /// The service's own cookie when the client names its service; else the only service cookie
  /// the browser sent; else the legacy cookie. Several service cookies and no name is a 400:
  /// guessing would hand one service's session to another's page.
  static func presented(in request: Request, service: String?) throws -> Presented? {
    let cookies = serviceCookies(request)
    if let service {
      if let token = cookies[service] { return Presented(token: token, service: service, isLegacy: false) }
    } else if cookies.count > 1 {
      throw SignInProblems.serviceRequired.problem(
        "This browser holds refresh cookies of several services; name yours in the body's service.", field: "service")
    } else if let (slug, token) = cookies.first {
      return Presented(token: token, service: slug, isLegacy: false)
    }
    guard let legacy = request.cookies[legacyName]?.value, !legacy.isEmpty else { return nil }
    return Presented(token: legacy, service: service, isLegacy: true)
  }

  /// Slug to token, for every `__Host-gh_refresh_<slug>` cookie of the request.
  static func serviceCookies(_ request: Request) -> [String: String] {
    var found: [String: String] = [:]
    for header in request.headers[values: .cookie] {
      for pair in header.split(separator: ";") {
        let parts = pair.split(separator: "=", maxSplits: 1)
        guard parts.count == 2 else { continue }
        let name = parts[0].trimmingCharacters(in: .whitespaces)
        guard name.hasPrefix(prefix) else { continue }
        let slug = String(name.dropFirst(prefix.count))
        let value = parts[1].trimmingCharacters(in: .whitespaces)
        guard isSlug(slug), !value.isEmpty, found[slug] == nil else { continue }
        found[slug] = value
      }
    }
    return found
  }

  /// As token-service's `services.slug` check: `^[a-z0-9][a-z0-9-]{1,62}$`.
  static func isSlug(_ text: String) -> Bool {
    (2...63).contains(text.utf8.count) && text.first != "-"
      && text.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D }
  }
}
