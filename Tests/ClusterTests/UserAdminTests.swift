import Foundation
import Testing

@testable import Shared
@testable import TestSupport

/// Operators and accounts across services (docs/admin.md, "Users"): found with personal data
/// masked, locked and unlocked by a SUPER_ADMIN, read-only for an AUDITOR, closed to others.
@Suite(.serialized, .timeLimit(.minutes(5))) struct UserAdminTests {
  @Test func operatorsFindAccountsWithTheirDataMaskedAndOnlyASuperAdminLocks() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let (_, adminToken) = try await cluster.api.admin(role: "SUPER_ADMIN")
      let admin = bearer(adminToken)
      let person = try await cluster.api.makeAccount()
      let email = "\(person.username)@example.com"

      // By the start of the username, by the whole address, by the id: masked every time.
      let byName = try await cluster.api.get(
        "/api/v1/users?q=\(person.username.prefix(person.username.count - 2))", as: UserSearchResult.self, headers: admin)
      let found = try #require(try byName.decoded().users.first { $0.username == person.username }, "\(byName.body)")
      #expect(!byName.body.contains(email) && found.maskedEmail.hasSuffix("@example.com") && found.maskedEmail.contains("*"))
      #expect(found.active && found.signInLockedUntil == nil)
      let byEmail = try await cluster.api.get("/api/v1/users?q=\(email.uppercased())", as: UserSearchResult.self, headers: admin)
      #expect(try byEmail.decoded().users.map(\.id) == [found.id], "\(byEmail.body)")
      let one = try await cluster.api.get("/api/v1/users/\(found.id)", as: AdminUserView.self, headers: admin)
      #expect(try one.decoded().memberships.map(\.service) == [person.slug], "\(one.body)")
      #expect(!one.body.contains(email), "\(one.body)")
      // Pages: one account a page, each page after the last, none twice.
      let first = try await cluster.api.get("/api/v1/users?q=ada_&limit=1", as: UserSearchResult.self, headers: admin).decoded()
      let cursor = try #require(first.nextCursor)
      let second = try await cluster.api.get("/api/v1/users?q=ada_&limit=1&cursor=\(cursor)", as: UserSearchResult.self, headers: admin)
      #expect(try second.decoded().users.first?.id != first.users.first?.id, "\(second.body)")

      // Nonsense is a clear problem; nobody but a SUPER_ADMIN or an AUDITOR reads, only a SUPER_ADMIN locks.
      #expect(try await cluster.api.get("/api/v1/users?limit=1000", headers: admin).problem?.code == "invalid_field")
      #expect(try await cluster.api.get("/api/v1/users/not-an-id", headers: admin).problem?.code == "account_not_found")
      let (_, serviceAdmin) = try await cluster.api.admin(role: "SERVICE_ADMIN")
      #expect(try await cluster.api.get("/api/v1/users", headers: bearer(serviceAdmin)).status == 403)
      let (auditor, _) = try await cluster.api.admin(role: "USER")
      _ = try await cluster.tokenAdmin(["admin", "set-platform-role", "--username", auditor.username, "--role", "AUDITOR"])
      let auditorToken = bearer(try await cluster.api.signIn(auditor).accessToken)
      #expect(try await cluster.api.get("/api/v1/users/\(found.id)", headers: auditorToken).status == 200)
      let refused = try await cluster.api.post("/api/v1/users/\(found.id)/lock", headers: auditorToken)
      #expect(refused.status == 403 && refused.problem?.code == "forbidden", "\(refused.body)")
      let adminID = try tokenClaims(adminToken).sub
      #expect(try await cluster.api.post("/api/v1/users/\(adminID)/lock", headers: admin).problem?.code == "own_account")
    }
  }

  /// Eight admins lock at once: one change, one audit row; the person's sessions, access and
  /// refresh tokens stop working and sign-in is refused. Unlocking (eight at once again) lets
  /// them in, and clears the wrong-password lock-out their attacker caused.
  @Test func lockingEndsEverySessionAndUnlockingLetsThePersonBackIn() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let (_, adminToken) = try await cluster.api.admin(role: "SUPER_ADMIN")
      let admin = bearer(adminToken)
      let person = try await cluster.api.makeAccount()
      let session = try await cluster.api.signIn(person)
      let userID = try tokenClaims(session.accessToken).sub

      let locks = try await withThrowingTaskGroup(of: Int.self) { group in
        for _ in 0..<8 { group.addTask { try await cluster.api.post("/api/v1/users/\(userID)/lock", headers: admin).status } }
        return try await group.reduce(into: [Int]()) { $0.append($1) }
      }
      #expect(locks == Array(repeating: 200, count: 8), "\(locks)")
      #expect(try await cluster.api.get("/api/v1/users/me", headers: bearer(session.accessToken)).status == 401)
      #expect(try await cluster.api.refresh(try #require(session.refreshToken)).status == 401)
      let signIn = try await cluster.api.login(person)
      #expect(signIn.status == 403 && signIn.problem?.code == "account_disabled", "\(signIn.body)")

      // Someone else's wrong passwords lock the account's sign-in from this address meanwhile.
      for _ in 0..<5 { _ = try await cluster.api.login(person, password: "a wrong guess 123") }
      let view = try await cluster.api.get("/api/v1/users/\(userID)", as: AdminUserView.self, headers: admin).decoded()
      #expect(!view.user.active && view.user.signInLockedUntil != nil && view.openSessions == 0)

      let unlocks = try await withThrowingTaskGroup(of: Int.self) { group in
        for _ in 0..<8 { group.addTask { try await cluster.api.post("/api/v1/users/\(userID)/unlock", headers: admin).status } }
        return try await group.reduce(into: [Int]()) { $0.append($1) }
      }
      #expect(unlocks == Array(repeating: 200, count: 8), "\(unlocks)")
      #expect(try await cluster.api.login(person).status == 200)

      try await withPostgres(TestEnvironment.database(owner: true)) { owner in
        let rows = try await owner.query(
          """
          SELECT (SELECT count(*)::int FROM audit.events WHERE action = 'USER_LOCKED' AND details->>'user_id' = \(userID)),
                 (SELECT count(*)::int FROM audit.events WHERE action = 'USER_UNLOCKED' AND details->>'user_id' = \(userID)),
                 (SELECT count(*)::int FROM token.sessions WHERE user_id = \(userID)::uuid AND revoked_reason = 'locked'),
                 (SELECT count(*)::int FROM token.sign_in_throttles WHERE user_id = \(userID)::uuid AND locked_until > now())
          """, logger: TestEnvironment.logger
        ).collect()
        let row = try #require(rows.first).makeRandomAccess()
        #expect(try row[0].decode(Int.self) == 1 && row[1].decode(Int.self) == 1, "one audit row each")
        #expect(try row[2].decode(Int.self) == 1 && row[3].decode(Int.self) == 0)
      }
    }
  }

  /// A SUPER_ADMIN signs a person out everywhere (issue 25): their sessions end and their tokens
  /// stop working at once, they may sign in again, and nobody else may do it.
  @Test func aSuperAdminSignsAPersonOutEverywhere() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let (_, adminToken) = try await cluster.api.admin(role: "SUPER_ADMIN")
      let (_, auditorToken) = try await cluster.api.admin(role: "AUDITOR")
      let person = try await cluster.api.makeAccount()
      let first = try await cluster.api.signIn(person)
      let second = try await cluster.api.signIn(person)
      let userID = try tokenClaims(first.accessToken).sub

      let refused = try await cluster.api.post("/api/v1/users/\(userID)/sign-out", headers: bearer(auditorToken))
      #expect(refused.status == 403, "\(refused.body)")
      #expect(try await cluster.api.get("/api/v1/users/me", headers: bearer(first.accessToken)).status == 200)

      let signedOut = try await cluster.api.post(
        "/api/v1/users/\(userID)/sign-out", as: AdminUserView.self, headers: bearer(adminToken))
      #expect(try signedOut.decoded().openSessions == 0 && signedOut.decoded().user.active, "\(signedOut.body)")
      for session in [first, second] {
        #expect(try await cluster.api.get("/api/v1/users/me", headers: bearer(session.accessToken)).status == 401)
        #expect(try await cluster.api.refresh(try #require(session.refreshToken)).status == 401)
      }
      #expect(try await cluster.api.login(person).status == 200, "the account stays active")
      let unknown = try await cluster.api.post("/api/v1/users/\(UUID().uuidString)/sign-out", headers: bearer(adminToken))
      #expect(unknown.status == 404, "\(unknown.body)")
      let counts = try await ownerCounts(
        cluster,
        [
          "SELECT count(*)::int FROM audit.events WHERE action = 'USER_SIGNED_OUT' AND details->>'user_id' = '\(userID)' AND details->>'sessions_ended' = '2'",
          "SELECT count(*)::int FROM token.sessions WHERE user_id = '\(userID)' AND revoked_reason = 'signed_out_by_admin'",
        ])
      #expect(counts == [1, 2], "one audit row; both sessions ended by the admin")
    }
  }

  /// `token-service admin reset-password` (what `make run`'s banner names for a lost demo admin
  /// password): a new password, printed once; the old one and every session stop working.
  @Test func anOperatorResetsALostPassword() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let person = try await cluster.api.makeAccount()
      let session = try await cluster.api.signIn(person)
      let printed = try await cluster.tokenAdmin(["admin", "reset-password", "--username", person.username.uppercased()])
      let line = try #require(printed.split(separator: "\n").first { $0.hasPrefix("password ") }, "\(printed)")
      let password = String(line.dropFirst("password ".count))
      #expect(password.count >= 20 && password != person.password)
      #expect(try await cluster.api.login(person).status == 401)
      #expect(try await cluster.api.refresh(try #require(session.refreshToken)).status == 401)
      #expect(try await cluster.api.login(person, password: password).status == 200)
      let missing = try cluster.start("token-service", arguments: ["admin", "reset-password", "--username", "nobody-here"])
      #expect(await missing.waitForExit(timeout: .seconds(20)) == 64 && missing.log.contains("no account has the username"))
      let audited = try await withPostgres(TestEnvironment.database(owner: true)) { owner in
        try await owner.query(
          """
          SELECT count(*)::int FROM audit.events e JOIN token.users u ON u.id = e.actor_user_id
          WHERE u.username = \(person.username) AND e.action = 'PASSWORD_RESET_BY_OPERATOR' AND e.details->>'sessions_ended' = '1'
          """, logger: TestEnvironment.logger
        ).collect().first?.decode(Int.self)
      }
      #expect(audited == 1)
    }
  }
}
