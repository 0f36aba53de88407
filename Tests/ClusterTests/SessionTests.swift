import Foundation
import Testing

@testable import Shared
@testable import TestSupport

/// A user's own sessions through the real gateway and token-service.
@Suite(.serialized, .timeLimit(.minutes(5))) struct SessionTests {
  @Test func usersSeeTheirSessionsAndEndOneOfThem() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let account = try await cluster.api.makeAccount(origin: "https://app.example")
      let laptop = try await cluster.api.signIn(account)
      let phone = try await cluster.api.signIn(account)
      let auth = bearer(laptop.accessToken)

      let listed = try await cluster.api.get("/api/v1/users/me/sessions", as: SessionList.self, headers: auth)
      #expect(listed.status == 200, "\(listed.body)")
      let sessions = try listed.decoded().sessions
      #expect(sessions.count == 2)
      #expect(sessions.filter { $0.current }.count == 1)
      #expect(sessions.allSatisfy { $0.ip == "127.0.0.1" && $0.service == account.slug })
      let other = try #require(sessions.first { !$0.current }?.id)

      let ended = try await cluster.api.delete("/api/v1/users/me/sessions/\(other)", headers: auth)
      #expect(ended.status == 204)
      let after = try await cluster.api.get("/api/v1/users/me/sessions", as: SessionList.self, headers: auth).value?.sessions ?? []
      #expect(after.count == 1)
      // The ended session's refresh token no longer works.
      #expect(try await cluster.api.refresh(try #require(phone.refreshToken)).status == 401)
      let again = try await cluster.api.delete("/api/v1/users/me/sessions/\(other)", headers: auth)
      #expect(again.status == 404 && again.problem?.code == "session_not_found")
    }
  }
}
