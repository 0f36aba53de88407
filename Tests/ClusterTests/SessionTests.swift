import Foundation
import Testing
@testable import Shared
@testable import TestSupport

/// A user's own sessions through the real gateway and token-service.
@Suite(.serialized, .timeLimit(.minutes(5))) struct SessionTests {
    @Test func usersSeeTheirSessionsAndEndOneOfThem() async throws {
        try await withCluster { cluster in
            #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
            let login = LoginTests()
            let account = try await cluster.api.makeAccount(origin: "https://app.example")
            let laptop = json(try await cluster.api.login(account).body)
            let phone = json(try await cluster.api.login(account).body)
            let laptopToken = try #require(laptop["access_token"] as? String)
            let auth = ["Authorization": "Bearer \(laptopToken)"]

            let listed = try await cluster.get("/api/v1/users/me/sessions", headers: auth)
            #expect(listed.status == 200, "\(listed.body)")
            let sessions = json(listed.body)["sessions"] as? [[String: Any]] ?? []
            #expect(sessions.count == 2)
            #expect(sessions.filter { $0["current"] as? Bool == true }.count == 1)
            #expect(sessions.allSatisfy { $0["ip"] as? String == "127.0.0.1" && $0["service"] as? String == account.slug })
            let other = try #require(sessions.first { $0["current"] as? Bool == false }?["id"] as? String)

            let ended = try await cluster.delete("/api/v1/users/me/sessions/\(other)", headers: auth)
            #expect(ended.status == 204)
            let after = json(try await cluster.get("/api/v1/users/me/sessions", headers: auth).body)["sessions"] as? [[String: Any]] ?? []
            #expect(after.count == 1)
            // The ended session's refresh token no longer works.
            #expect(try await cluster.api.refresh(try #require(phone["refresh_token"] as? String)).status == 401)
            let again = try await cluster.delete("/api/v1/users/me/sessions/\(other)", headers: auth)
            #expect(again.status == 404 && json(again.body)["code"] as? String == "session_not_found")
        }
    }
}
