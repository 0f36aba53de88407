import AsyncHTTPClient
import Foundation
import NIOHTTP1
import Testing

@testable import Shared
@testable import TestSupport

/// What the gateway makes of who is calling: the client address behind trusted proxies, and
/// CORS for the services' origins.
@Suite(.serialized, .timeLimit(.minutes(5))) struct ClientEdgeTests {
  func sessionAddresses(_ cluster: Cluster, _ token: String) async throws -> [String] {
    let listed = try await cluster.api.get("/api/v1/users/me/sessions", as: SessionList.self, headers: bearer(token))
    return (listed.value?.sessions ?? []).compactMap(\.ip).sorted()
  }

  func loginFrom(_ cluster: Cluster, _ account: Account, forwardedFor: String?) async throws -> Answer<TokenAnswer> {
    try await cluster.api.post(
      "/api/v1/auth/login",
      LoginBody(
        service: account.slug, username: account.username, email: nil,
        password: account.password, rememberMe: nil, clientType: .mobile),
      as: TokenAnswer.self, headers: forwardedFor.map { ["X-Forwarded-For": $0] } ?? [:])
  }

  @Test func forwardedAddressesAreBelievedFromTrustedProxiesOnly() async throws {
    try await withCluster(environment: [
      "GATEHOUSE_TRUSTED_PROXIES": "127.0.0.1/32, 10.0.0.0/8",
      "GATEHOUSE_RATE_LIMIT_LOGIN": "2/300",
    ]) { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let account = try await cluster.api.makeAccount()
      // The client forged the leftmost entry; our proxies (127.0.0.1, 10.x) wrote the rest.
      let proxied = try await loginFrom(cluster, account, forwardedFor: "198.51.100.9, 203.0.113.7, 10.1.2.3")
      #expect(proxied.status == 200, "\(proxied.body)")
      let token = try proxied.decoded().accessToken
      _ = try await loginFrom(cluster, account, forwardedFor: nil)
      #expect(try await sessionAddresses(cluster, token) == ["127.0.0.1", "203.0.113.7"])
      // Limits count per forwarded client: 203.0.113.7 has one sign-in left, 192.0.2.1 two.
      #expect(try await loginFrom(cluster, account, forwardedFor: "203.0.113.7").status == 200)
      #expect(try await loginFrom(cluster, account, forwardedFor: "203.0.113.7").status == 429)
      #expect(try await loginFrom(cluster, account, forwardedFor: "192.0.2.1").status == 200)
    }
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let account = try await cluster.api.makeAccount()
      // No trusted proxies: the header is the client's word, and ignored.
      let direct = try await loginFrom(cluster, account, forwardedFor: "203.0.113.7")
      let token = try direct.decoded().accessToken
      #expect(try await sessionAddresses(cluster, token) == ["127.0.0.1"])
    }
  }

  @Test func aMalformedProxyListStopsTheGatewayWithALineNamingIt() async throws {
    let process = ServiceProcess(
      "gateway", environment: ServiceProcess.environment(redisPort: 1, extra: ["GATEHOUSE_TRUSTED_PROXIES": "10.0.0.0/33"]))
    try process.start()
    #expect(await process.waitForExit(timeout: .seconds(10)) == 78)
    #expect(process.log.contains("GATEHOUSE_TRUSTED_PROXIES"))
  }

  @Test func browsersOnTheServicesOriginsMayCallWithCredentialsAndOthersMayNot() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let account = try await cluster.api.makeAccount(origin: "https://app.example")

      let allowed = try await cluster.api.preflight("/api/v1/auth/login", origin: "https://app.example")
      #expect(allowed.status == 204, "\(allowed.body)")
      #expect(allowed.headers["access-control-allow-origin"] == "https://app.example")
      #expect(allowed.headers["access-control-allow-credentials"] == "true")
      #expect(allowed.headers["access-control-allow-methods"]?.contains("POST") == true)
      #expect(allowed.headers["access-control-allow-headers"]?.contains("Content-Type") == true)

      let foreign = try await cluster.api.preflight("/api/v1/auth/login", origin: "https://evil.example")
      #expect(foreign.status == 403 && foreign.problem?.code == "origin_not_allowed")
      #expect(foreign.headers["access-control-allow-origin"] == nil)

      let body = LoginBody(
        service: account.slug, username: account.username, email: nil, password: account.password, rememberMe: nil,
        clientType: .web)
      let fromApp = try await cluster.api.post("/api/v1/auth/login", body, headers: ["Origin": "https://app.example"])
      #expect(fromApp.status == 200 && fromApp.headers["access-control-allow-origin"] == "https://app.example")
      #expect(fromApp.headers["access-control-expose-headers"]?.contains("X-Request-Id") == true)
      let fromElsewhere = try await cluster.api.post("/api/v1/auth/login", body, headers: ["Origin": "https://evil.example"])
      #expect(fromElsewhere.headers["access-control-allow-origin"] == nil && fromElsewhere.headers["vary"] == "Origin")
      // Errors carry the headers too, or the page could not read them.
      let problem = try await cluster.get("/api/v1/users/me", headers: ["Origin": "https://app.example"])
      #expect(problem.status == 401 && problem.headers["access-control-allow-origin"] == "https://app.example")
      // The public key set is for everyone.
      let keys = try await cluster.get("/.well-known/jwks.json", headers: ["Origin": "https://evil.example"])
      #expect(keys.headers["access-control-allow-origin"] == "*")

      // A service created now is allowed within a second, not after the cache expires.
      _ = try await cluster.api.makeAccount(origin: "https://new.example")
      #expect(
        try await eventually(timeout: propagationLimit) {
          try await cluster.api.preflight("/api/v1/auth/login", origin: "https://new.example").status == 204
        })
    }
  }
}
