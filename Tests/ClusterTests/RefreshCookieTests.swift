import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

@testable import Shared
@testable import TestSupport

/// A browser's refresh cookies, one per web service (issue 22), through the real gateway.
@Suite(.serialized, .timeLimit(.minutes(5))) struct RefreshCookieTests {
  /// Two web services of one deployment, one browser (one cookie jar): both refresh, and logging
  /// out of one leaves the other signed in. Caught: every service's cookie was `__Host-gh_refresh`,
  /// so the second sign-in replaced the first one's token (the first service's refresh then spent
  /// the other service's token and was refused for its Origin) and a logout cleared both.
  @Test func twoWebServicesInOneBrowserKeepTheirOwnSessions() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let shop = try await cluster.api.makeAccount(origin: "https://shop.example")
      let admin = try await cluster.api.makeAccount(origin: "https://admin.example")
      let browser = CookieJarClient(cluster: cluster)
      #expect(try await browser.signIn(shop).status == 200)
      #expect(try await browser.signIn(admin).status == 200)
      #expect(browser.jar.keys.sorted() == ["__Host-gh_refresh_\(admin.slug)", "__Host-gh_refresh_\(shop.slug)"].sorted())

      let shopRefresh = try await browser.refresh(service: shop.slug, origin: "https://shop.example")
      #expect(shopRefresh.status == 200, "\(shopRefresh.body)")
      #expect(try await audience(cluster, shopRefresh.body) == shop.slug)
      let adminRefresh = try await browser.refresh(service: admin.slug, origin: "https://admin.example")
      #expect(adminRefresh.status == 200, "\(adminRefresh.body)")
      let adminAccess = try Answer<TokenAnswer>(
        status: adminRefresh.status, headers: [:],
        body: adminRefresh.body
      ).decoded().accessToken
      #expect(try await audience(cluster, adminRefresh.body) == admin.slug)

      // Signing out of the admin panel ends its session and its cookie only.
      let out = try await browser.send("/api/v1/auth/logout", headers: ["Authorization": "Bearer \(adminAccess)"])
      #expect(out.status == 200, "\(out.body)")
      #expect(browser.jar["__Host-gh_refresh_\(admin.slug)"] == nil)
      let shopAgain = try await browser.refresh(service: shop.slug, origin: "https://shop.example")
      #expect(shopAgain.status == 200, "\(shopAgain.body)")
      #expect(try await audience(cluster, shopAgain.body) == shop.slug)
      let adminAgain = try await browser.refresh(service: admin.slug, origin: "https://admin.example")
      #expect(
        adminAgain.status == 400 && decodeJSON(ProblemBody.self, from: adminAgain.body)?.code == "missing_refresh_token",
        "\(adminAgain.body)")
      // With one service cookie left, a client that names no service still finds its own.
      #expect(try await browser.refresh(service: nil, origin: "https://shop.example").status == 200)
    }
  }

  /// A person signed in before the upgrade holds the old `__Host-gh_refresh`: their service's
  /// next refresh accepts it once, sets the service's own cookie and expires the old one; another
  /// service's refresh neither spends nor clears it. Caught: the old code set no per-service cookie.
  @Test func theLegacyCookieServesOneRefreshOfItsOwnServiceOnly() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let shop = try await cluster.api.makeAccount(origin: "https://shop.example")
      let admin = try await cluster.api.makeAccount(origin: "https://shop.example")
      // What the old gateway left in the browser: the web sign-in's token under the shared name.
      let browser = CookieJarClient(cluster: cluster)
      #expect(try await browser.signIn(shop).status == 200)
      let token = try #require(browser.jar.values.first)
      browser.jar = [:]
      browser.jar["__Host-gh_refresh"] = token

      let foreign = try await browser.refresh(service: admin.slug, origin: "https://shop.example")
      #expect(
        foreign.status == 401 && decodeJSON(ProblemBody.self, from: foreign.body)?.code == "invalid_refresh_token",
        "\(foreign.body)")
      #expect(browser.jar["__Host-gh_refresh"] == token)

      let own = try await browser.refresh(service: shop.slug, origin: "https://shop.example")
      #expect(own.status == 200, "\(own.body)")
      #expect(browser.jar["__Host-gh_refresh"] == nil)
      #expect(browser.jar["__Host-gh_refresh_\(shop.slug)"] != nil)
      #expect(
        own.cookies.contains {
          $0.hasPrefix("__Host-gh_refresh_\(shop.slug)=") && $0.contains("HttpOnly") && $0.contains("Secure")
            && $0.contains("SameSite=Lax") && $0.contains("Path=/")
        })
      #expect(try await browser.refresh(service: shop.slug, origin: "https://shop.example").status == 200)
    }
  }

  func audience(_ cluster: Cluster, _ body: String) async throws -> String? {
    let access = try #require(decodeJSON(TokenAnswer.self, from: body)?.accessToken, "\(body)")
    return try await cluster.api.verify(access).value?.claims.aud
  }
}

/// A cookie jar and the requests a browser page sends with it. Cookies are kept by name (one
/// host, Path=/), set and expired by every `Set-Cookie` of an answer.
final class CookieJarClient: @unchecked Sendable {
  // @unchecked: used by one test at a time, from one task.
  let cluster: Cluster
  var jar: [String: String] = [:]

  init(cluster: Cluster) { self.cluster = cluster }

  func signIn(_ account: Account) async throws -> (status: Int, cookies: [String], body: String) {
    try await send(
      "/api/v1/auth/login",
      body: #"{"service":"\#(account.slug)","username":"\#(account.username)","password":"\#(account.password)","client_type":"web"}"#)
  }

  func refresh(service: String?, origin: String) async throws -> (status: Int, cookies: [String], body: String) {
    try await send("/api/v1/auth/refresh", body: service.map { #"{"service":"\#($0)"}"# }, headers: ["Origin": origin])
  }

  func send(_ path: String, body: String? = nil, headers: [String: String] = [:]) async throws -> (
    status: Int, cookies: [String], body: String
  ) {
    var request = HTTPClientRequest(url: cluster.url(path))
    request.method = .POST
    if let body {
      request.headers.add(name: "Content-Type", value: "application/json")
      request.body = .bytes(ByteBuffer(string: body))
    }
    for (name, value) in headers { request.headers.add(name: name, value: value) }
    if !jar.isEmpty { request.headers.add(name: "Cookie", value: jar.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")) }
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
    let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
    let cookies = response.headers["set-cookie"]
    for cookie in cookies {
      let pair = cookie.split(separator: ";").first.map(String.init) ?? ""
      let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
      guard parts.count == 2 else { continue }
      if cookie.contains("Max-Age=0") { jar[parts[0]] = nil } else { jar[parts[0]] = parts[1] }
    }
    return (Int(response.status.code), cookies, text)
  }
}
