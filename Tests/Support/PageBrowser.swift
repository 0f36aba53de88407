import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// A browser for the hosted pages, by hand: it keeps the gateway's cookies (all of them, as a
/// browser would; the tests talk plain http, so `Secure` is not honoured) and follows nothing,
/// so every redirect can be looked at.
final class PageBrowser: @unchecked Sendable {
  let cluster: Cluster
  private let lock = NSLock()
  private var jar: [String: String] = [:]
  /// Every cookie the gateway set and has not expired (guarded: tests post forms concurrently).
  var cookies: [String: String] { lock.withLock { jar } }

  init(_ cluster: Cluster) { self.cluster = cluster }

  struct Page: Sendable {
    let status: Int
    let location: String?
    let body: String

    /// A hidden field of the page's form.
    func field(_ name: String) -> String? {
      let pattern = try? Regex<(Substring, Substring)>("name=\"\(name)\" value=\"([^\"]*)\"")
      return pattern.flatMap { body.firstMatch(of: $0) }.map { String($0.1) }
    }

    /// Where a page that moves on by itself (HostedPages.leaving) leads: its link, unescaped.
    var movesOnTo: String? {
      guard let match = body.firstMatch(of: /id="continue" href="([^"]*)"/) else { return nil }
      let entities = ["&amp;": "&", "&#x2F;": "/", "&#x3D;": "=", "&#39;": "'", "&quot;": "\"", "&lt;": "<", "&gt;": ">"]
      return entities.reduce(String(match.1)) { $0.replacingOccurrences(of: $1.key, with: $1.value) }
    }

    /// A parameter of the redirect's query.
    func answer(_ name: String) -> String? {
      location.flatMap { URLComponents(string: $0)?.queryItems?.first { $0.name == name }?.value }
    }
  }

  func get(_ path: String) async throws -> Page { try await send(path, method: .GET, form: nil) }

  /// Posts a page's form with this browser's CSRF token (or, as another site's form would, without).
  func post(_ path: String, _ form: [String: String], csrf: Bool = true) async throws -> Page {
    var all = form
    if csrf { all["csrf"] = cookies["__Host-gh_csrf"] ?? "" }
    return try await send(path, method: .POST, form: all)
  }

  private func send(_ path: String, method: HTTPMethod, form: [String: String]?) async throws -> Page {
    var request = HTTPClientRequest(url: path.hasPrefix("http") ? path : cluster.url(path))
    request.method = method
    let held = cookies
    if !held.isEmpty { request.headers.add(name: "Cookie", value: held.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")) }
    if let form {
      request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
      request.body = .bytes(ByteBuffer(string: Browser.formEncoded(form)))
    }
    let response = try await Browser.client.execute(request, timeout: .seconds(20))
    for header in response.headers["Set-Cookie"] {
      let pair = header.split(separator: ";").first.map(String.init) ?? ""
      let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
      guard parts.count == 2 else { continue }
      lock.withLock { jar[parts[0]] = header.contains("Max-Age=0") ? nil : parts[1] }
    }
    let body = try await response.body.collect(upTo: 1 << 20)
    return Page(status: Int(response.status.code), location: response.headers.first(name: "Location"), body: String(buffer: body))
  }
}

extension PageBrowser {
  /// Signs this browser in to the account console, the approval page and the admin console
  /// (they share the console's sign-in) as `account`, through the hosted sign-in page.
  func signInToConsole(_ account: Account) async throws {
    let start = try await get("/account")
    let signInPage = try await get(start.location ?? "/account")
    let signedIn = try await post(
      "/signin", ["request": signInPage.field("request") ?? "", "identifier": account.username, "password": account.password])
    let landed = try await get(signedIn.location ?? "/account")
    #expect(landed.status == 303 && cookies["__Host-gh_account"] != nil, "\(landed)")
  }
}
