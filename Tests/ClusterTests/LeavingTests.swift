import Foundation
import PostgresNIO
import Testing

@testable import Shared
@testable import TestSupport

/// Leaving (issue 25, docs/leaving.md): a person deletes their account after proving it is them;
/// what every schema held of it goes, the audit rows about it lose their personal data, and the
/// hash chains still verify.
///
/// Caught on the code before: `DELETE /api/v1/users/me` was 405, and the audit log could not
/// lose a person's data without breaking its chain (its rows' hashes covered the data itself).
@Suite(.serialized, .timeLimit(.minutes(5))) struct LeavingTests {
  func delete(_ cluster: Cluster, _ auth: [String: String], password: String?) async throws -> Answer<AccountDeleted> {
    try await cluster.api.post(
      "/api/v1/users/me", AccountDeletionBody(currentPassword: password), as: AccountDeleted.self, method: .DELETE, headers: auth)
  }

  func userID(_ cluster: Cluster, _ token: String) throws -> String { try tokenClaims(token).sub }

  @Test func aDeletedAccountLeavesNoPersonalDataAndTheAuditChainStillVerifies() async throws {
    try await withFreshDatabase { database in
      try await withCluster(database: database) { cluster in
        #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
        // A person with a proven identity profile (CI, DI, phone), a second session, and a
        // provider account linked to them.
        let person = try await cluster.api.makePerson()
        let account = person.account
        let id = try userID(cluster, person.token)
        let other = try await cluster.api.signIn(account)
        _ = try await ownerCounts(
          cluster,
          [
            """
            WITH l AS (INSERT INTO social.linked_accounts (user_id, provider, provider_user_id, email, display_name)
                       VALUES ('\(id)', 'github', '\(UUID().uuidString)', '\(account.username)@example.com', 'Ada') RETURNING 1)
            SELECT count(*)::int FROM l
            """
          ])

        // The gate: from a session that proved nothing yet (the profile's set-up proved the
        // first), no proof, then a wrong password, delete nothing.
        let auth = bearer(other.accessToken)
        let unproven = try await delete(cluster, auth, password: nil)
        #expect(unproven.status == 403 && unproven.problem?.code == "reauthentication_required", "\(unproven.body)")
        let wrong = try await delete(cluster, auth, password: "not the password")
        #expect(wrong.status == 403 && wrong.problem?.code == "invalid_current_password", "\(wrong.body)")

        let deleted = try await delete(cluster, auth, password: account.password)
        #expect(deleted.status == 200, "\(deleted.body)")
        let outcome = try deleted.decoded()
        #expect(outcome.sessionsEnded == 2 && outcome.membershipsEnded == 1, "\(deleted.body)")
        #expect(outcome.auditRowsMinimised > 3, "\(deleted.body)")

        // Gone at once: its tokens (the other session's too), its refresh token, its password.
        // (The gateways learn of the revocation over pub/sub: milliseconds.)
        #expect(
          try await eventually(timeout: .seconds(5)) {
            try await cluster.api.get("/api/v1/users/me", as: Profile.self, headers: person.auth).status == 401
          })
        #expect(try await cluster.api.refresh(try #require(other.refreshToken)).status == 401)
        #expect(try await cluster.api.login(account).status == 401)

        // The other services erase their part within seconds.
        #expect(
          try await eventually(timeout: .seconds(20)) {
            try await ownerCounts(cluster, ["SELECT count(*)::int FROM audit.events WHERE action = 'ACCOUNT_ERASED'"]) == [1]
          }, "\(cluster.logs)")
        let left = try await ownerCounts(
          cluster,
          [
            "SELECT count(*)::int FROM token.users WHERE id = '\(id)'",
            "SELECT count(*)::int FROM token.sessions WHERE user_id = '\(id)'",
            "SELECT count(*)::int FROM social.linked_accounts WHERE user_id = '\(id)'",
            "SELECT count(*)::int FROM idp.identity_profiles WHERE user_id = '\(id)'",
            "SELECT count(*)::int FROM idp.phone_claims WHERE user_id = '\(id)'",
            // Nothing in the log names the person any more: not their id, name, address or number.
            """
            SELECT count(*)::int FROM audit.events WHERE actor_user_id = '\(id)' OR details::text LIKE '%\(id)%'
              OR details::text LIKE '%\(account.username)%' OR details::text LIKE '%\(person.phone)%'
            """,
            "SELECT count(*)::int FROM audit.events WHERE erased_at IS NOT NULL AND (ip IS NOT NULL OR personal_salt IS NOT NULL)",
            "SELECT count(*)::int FROM audit.events WHERE action = 'ACCOUNT_DELETED' AND actor_user_id IS NULL",
            "SELECT count(*)::int FROM audit.events WHERE action IN ('SOCIAL_ACCOUNTS_ERASED', 'IDENTITY_PROFILE_ERASED')",
          ])
        #expect(left == [0, 0, 0, 0, 0, 0, 0, 1, 2], "\(left)")

        // The chains verify, erased rows included; and an erased row cannot be edited unseen.
        let intact = try await AuditTests().verify(cluster)
        #expect(intact.status == 0 && intact.output.contains("audit log intact"), "\(intact.output)")
        _ = try await ownerCounts(
          cluster,
          [
            """
            WITH e AS (UPDATE audit.events SET action = 'USER_LOGOUT'
                       WHERE id = (SELECT min(id) FROM audit.events WHERE erased_at IS NOT NULL) RETURNING 1)
            SELECT count(*)::int FROM e
            """
          ])
        let edited = try await AuditTests().verify(cluster)
        #expect(edited.status == 1 && edited.output.contains("does not match its hash"), "\(edited.output)")
      }
    }
  }

  @Test func anOwnerAThirdPartyAppAndOneOfManyRequestsAreHeldToTheRules() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      // A third-party app's token is not enough, even with the password.
      let outsider = try await cluster.api.makeAccount()
      let outsiderToken = try await cluster.api.signIn(outsider).accessToken
      let thirdParty = try await delete(cluster, bearer(outsiderToken), password: outsider.password)
      #expect(thirdParty.status == 403 && thirdParty.problem?.code == "first_party_required", "\(thirdParty.body)")

      // The owner of an open service hands it over first.
      let owner = try await cluster.api.makeAccount(firstParty: true)
      let ownerToken = try await cluster.api.signIn(owner).accessToken
      _ = try await ownerCounts(
        cluster,
        [
          """
          WITH s AS (UPDATE token.services SET owner_user_id = '\(try userID(cluster, ownerToken))' WHERE slug = '\(outsider.slug)' RETURNING 1)
          SELECT count(*)::int FROM s
          """
        ])
      let owning = try await delete(cluster, bearer(ownerToken), password: owner.password)
      #expect(owning.status == 409 && owning.problem?.code == "account_owns_services", "\(owning.body)")
      #expect(owning.problem?.detail?.contains(outsider.slug) == true, "\(owning.body)")

      // Ten requests at once delete the account once.
      let account = try await cluster.api.makeAccount(firstParty: true)
      let token = try await cluster.api.signIn(account).accessToken
      let id = try userID(cluster, token)
      let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
        for _ in 0..<10 { group.addTask { try await delete(cluster, bearer(token), password: account.password).status } }
        return try await group.reduce(into: []) { $0.append($1) }
      }
      #expect(statuses.filter { $0 == 200 }.count == 1, "\(statuses)")
      // The rest find the session or the account gone (401, 404; 409 `gone_meanwhile` when it went
      // mid-statement), or too many password checks of one account in flight (423, the throttle).
      #expect(statuses.allSatisfy { [200, 401, 404, 409, 423].contains($0) }, "\(statuses)")
      let rows = try await ownerCounts(
        cluster,
        [
          "SELECT count(*)::int FROM token.users WHERE id = '\(id)'",
          """
          SELECT count(*)::int FROM audit.events a JOIN token.services s ON s.id = a.service_id
          WHERE a.action = 'ACCOUNT_DELETED' AND s.slug = '\(account.slug)'
          """,
        ])
      #expect(rows == [0, 1], "\(rows)")
    }
  }

  /// In chromium: the console's Delete account section refuses a wrong password, then deletes;
  /// the old password no longer signs in.
  @Test func aPersonDeletesTheirAccountInTheConsole() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let account = try await cluster.api.makeAccount()
      let settings: [String: Any] = [
        "issuer": cluster.url(""), "person": ["username": account.username, "password": account.password],
      ]
      let (status, output) = try PythonCheck.browser("leaving_page.py", settings: settings, screenshots: "leaving")
      try #require(status == 0, "\(output)\n\(cluster.logs)")
      for page in ["account", "leave-section", "wrong-password", "deleted", "sign-in-refused"] {
        #expect(output.contains("-\(page)-phone.png") && output.contains("-\(page)-desktop.png"), "no screenshots of \(page): \(output)")
      }
      let left = try await ownerCounts(
        cluster,
        [
          "SELECT count(*)::int FROM token.users WHERE username = '\(account.username)'",
          "SELECT count(*)::int FROM audit.events WHERE action = 'ACCOUNT_DELETED' AND details ->> 'sessions_ended' = '1'",
        ])
      #expect(left[0] == 0 && left[1] >= 1, "\(left)")
    }
  }
}
