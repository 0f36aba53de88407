import Foundation
import Testing

@testable import Shared
@testable import TestSupport

/// Logout and logout-all through the real gateway and token-service.
@Suite(.serialized, .timeLimit(.minutes(5))) struct LogoutTests {
  /// A POST with no body, signed in with `token`.
  func bearerPost(_ cluster: Cluster, _ path: String, _ token: String) async throws -> Answer<LogoutResponse> {
    try await cluster.api.post(path, as: LogoutResponse.self, headers: bearer(token))
  }

  @Test(arguments: ["mobile", "native", "web"])
  func afterLogoutTheAccessAndRefreshTokensAreRefused(clientType: String) async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let account = try await cluster.api.makeAccount(origin: RefreshTests.origin)
      let signedIn = try await cluster.api.login(account, clientType: try #require(ClientType(rawValue: clientType)))
      let grant = try signedIn.decoded()
      let access = grant.accessToken
      #expect(try await cluster.api.verify(access).status == 200)

      let out = try await bearerPost(cluster, "/api/v1/auth/logout", access)
      #expect(out.status == 200, "\(out.body)")
      #expect(out.value?.sessionsEnded == 1)
      #expect(out.headers["set-cookie"]?.contains("Max-Age=0") == true)

      let refused = try await eventually(timeout: propagationLimit) { try await cluster.api.verify(access).status == 401 }
      #expect(refused, "the access token still verifies after logout")
      if clientType == "web" {
        let cookie = try #require(signedIn.headers["set-cookie"]?.split(separator: ";").first.map(String.init))
        let again = try await cluster.api.post("/api/v1/auth/refresh", headers: ["Cookie": cookie, "Origin": RefreshTests.origin])
        #expect(again.status == 401)
      } else {
        let refreshToken = try #require(grant.refreshToken)
        #expect(try await cluster.api.refresh(refreshToken).status == 401)
      }
    }
  }

  @Test func logoutAllEndsEverySessionAndEveryIssuedAccessToken() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let account = try await cluster.api.makeAccount(origin: RefreshTests.origin)
      let phone = try await cluster.api.signIn(account)
      let laptop = try await cluster.api.signIn(account)
      let phoneAccess = phone.accessToken
      let laptopAccess = laptop.accessToken

      let out = try await bearerPost(cluster, "/api/v1/auth/logout-all", laptopAccess)
      #expect(out.status == 200 && out.value?.sessionsEnded == 2, "\(out.body)")
      let bothRefused = try await eventually(timeout: propagationLimit) {
        let a = try await cluster.api.verify(phoneAccess).status
        let b = try await cluster.api.verify(laptopAccess).status
        return a == 401 && b == 401
      }
      #expect(bothRefused)
      #expect(try await cluster.api.refresh(try #require(phone.refreshToken)).status == 401)

      // A new sign-in gets the new token version and works.
      let fresh = try await cluster.api.signIn(account).accessToken
      let verified = try await cluster.api.verify(fresh)
      #expect(verified.status == 200)
      #expect(verified.value?.claims.tv == 1, "\(verified)")
    }
  }

  @Test func aGatewayStartedAfterALogoutStillRefusesTheToken() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let account = try await cluster.api.makeAccount(origin: RefreshTests.origin)
      let access = try await cluster.api.signIn(account).accessToken
      #expect(try await bearerPost(cluster, "/api/v1/auth/logout", access).status == 200)
      // Restart the gateway: it never saw the event, and learns the revocation from Redis.
      let gateway = try #require(cluster.processes.first { $0.name == "gateway" })
      await gateway.stop()
      try cluster.start("gateway")
      #expect(try await cluster.waitUntilReady())
      #expect(try await cluster.api.verify(access).status == 401)
    }
  }
}
