import Foundation
import Testing
@testable import Shared
@testable import TestSupport

/// Logout and logout-all through the real gateway and token-service.
@Suite(.serialized, .timeLimit(.minutes(5))) struct LogoutTests {
    let login = LoginTests()

    func bearerPost(_ cluster: Cluster, _ path: String, _ token: String) async throws -> (status: Int, headers: [String: String], body: String) {
        try await cluster.post(path, body: "", contentType: nil, headers: ["Authorization": "Bearer \(token)"])
    }

    @Test(arguments: ["mobile", "native", "web"])
    func afterLogoutTheAccessAndRefreshTokensAreRefused(clientType: String) async throws {
        try await withCluster { cluster in
            #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
            let account = try await cluster.api.makeAccount(origin: RefreshTests.origin)
            let signedIn = try await cluster.api.login(account, clientType: try #require(ClientType(rawValue: clientType)))
            let grant = json(signedIn.body)
            let access = try #require(grant["access_token"] as? String)
            #expect(try await cluster.api.verify(access).status == 200)

            let out = try await bearerPost(cluster, "/api/v1/auth/logout", access)
            #expect(out.status == 200, "\(out.body)")
            #expect(json(out.body)["sessions_ended"] as? Int == 1)
            #expect(out.headers["set-cookie"]?.contains("Max-Age=0") == true)

            let refused = try await eventually(timeout: propagationLimit) { try await cluster.api.verify(access).status == 401 }
            #expect(refused, "the access token still verifies after logout")
            if clientType == "web" {
                let cookie = try #require(signedIn.headers["set-cookie"]?.split(separator: ";").first.map(String.init))
                let again = try await cluster.post("/api/v1/auth/refresh", body: "", contentType: nil,
                                                   headers: ["Cookie": cookie, "Origin": "https://app.example"])
                #expect(again.status == 401)
            } else {
                let refreshToken = try #require(grant["refresh_token"] as? String)
                #expect(try await cluster.api.refresh(refreshToken).status == 401)
            }
        }
    }

    @Test func logoutAllEndsEverySessionAndEveryIssuedAccessToken() async throws {
        try await withCluster { cluster in
            #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
            let account = try await cluster.api.makeAccount(origin: RefreshTests.origin)
            let phone = json(try await cluster.api.login(account).body)
            let laptop = json(try await cluster.api.login(account).body)
            let phoneAccess = try #require(phone["access_token"] as? String)
            let laptopAccess = try #require(laptop["access_token"] as? String)

            let out = try await bearerPost(cluster, "/api/v1/auth/logout-all", laptopAccess)
            #expect(out.status == 200 && json(out.body)["sessions_ended"] as? Int == 2, "\(out.body)")
            let bothRefused = try await eventually(timeout: propagationLimit) {
                let a = try await cluster.api.verify(phoneAccess).status, b = try await cluster.api.verify(laptopAccess).status
                return a == 401 && b == 401
            }
            #expect(bothRefused)
            #expect(try await cluster.api.refresh(try #require(phone["refresh_token"] as? String)).status == 401)

            // A new sign-in gets the new token version and works.
            let fresh = try #require(json(try await cluster.api.login(account).body)["access_token"] as? String)
            let verified = try await cluster.api.verify(fresh)
            #expect(verified.status == 200)
            #expect((json(verified.body)["claims"] as? [String: Any])?["tv"] as? Int == 1)
        }
    }

    @Test func aGatewayStartedAfterALogoutStillRefusesTheToken() async throws {
        try await withCluster { cluster in
            #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
            let account = try await cluster.api.makeAccount(origin: RefreshTests.origin)
            let access = try #require(json(try await cluster.api.login(account).body)["access_token"] as? String)
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
