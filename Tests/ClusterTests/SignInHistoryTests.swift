import Foundation
import Testing

@testable import Shared
@testable import TestSupport

/// A person's own sign-in history (issue 25, docs/accounts.md "Sign-in history"): successes and
/// failures with time, method, address and device, newest first, paged, and only theirs.
///
/// Caught on the code before: `GET /api/v1/users/me/sign-ins` did not exist (404).
@Suite(.serialized, .timeLimit(.minutes(5))) struct SignInHistoryTests {
  static let chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"

  @Test func successesAndFailuresAreListedNewestFirstAndOnlyTheCallers() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let account = try await cluster.api.makeAccount()
      let other = try await cluster.api.makeAccount()
      #expect(try await cluster.api.login(account, password: "wrong horse 1").status == 401)
      #expect(try await cluster.api.login(other, password: "wrong horse 1").status == 401)
      let body = LoginBody(
        service: account.slug, username: account.username, email: nil, password: account.password, rememberMe: nil,
        clientType: .mobile)
      let signedIn = try await cluster.api.post("/api/v1/auth/login", body, as: TokenAnswer.self, headers: ["User-Agent": Self.chrome])
      let token = bearer(try signedIn.decoded().accessToken)

      let first = try await cluster.api.get("/api/v1/users/me/sign-ins?limit=1", as: SignInHistory.self, headers: token)
      let newest = try #require(try first.decoded().events.first, "\(first.body)")
      #expect(newest.outcome == "success" && newest.method == "password" && newest.service == account.slug, "\(first.body)")
      #expect(newest.device == "Chrome 131 · Windows" && newest.ip == "127.0.0.1", "\(first.body)")
      let cursor = try #require(try first.decoded().nextCursor, "\(first.body)")

      let rest = try await cluster.api.get("/api/v1/users/me/sign-ins?limit=10&cursor=\(cursor)", as: SignInHistory.self, headers: token)
      let older = try rest.decoded().events
      #expect(older.count == 1, "only the caller's own failure: \(rest.body)")
      #expect(older.first?.outcome == "failure" && older.first?.detail == "wrong_password", "\(rest.body)")
      #expect(try rest.decoded().nextCursor == nil)

      #expect(try await cluster.api.get("/api/v1/users/me/sign-ins?limit=0", headers: token).problem?.code == "invalid_field")
      #expect(try await cluster.api.get("/api/v1/users/me/sign-ins?cursor=x", headers: token).problem?.code == "invalid_field")
      #expect(try await cluster.api.get("/api/v1/users/me/sign-ins").status == 401)
    }
  }
}
