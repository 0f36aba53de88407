import Foundation
import PostgresNIO
import Testing

@testable import Shared
@testable import TestSupport

extension CleanupTests {
  /// The cleanup of what the hosted sign-in and the phone proofs leave (docs/retention.md):
  /// authorization requests past their 15 minutes; codes a day past their minute; browser
  /// sessions ended 30 days ago that no app session or code still names (a code that goes in the
  /// same run frees its browser session in that run); phone claims a day old. The same kinds
  /// inside their rules stay. Untested until issue 22's audit.
  @Test func signInAndPhoneProofRowsPastTheirRulesGo() async throws {
    try await withFreshDatabase { db in
      try await withCluster(database: db, environment: Self.manual) { cluster in
        #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
        let person = try await cluster.api.makePerson()
        let user = "(SELECT id FROM token.users WHERE username = '\(person.account.username)')"
        let service = "(SELECT id FROM token.services WHERE slug = '\(person.account.slug)')"
        func browser(_ n: Int, ended: String) -> String {
          """
          ('00000000-0000-0000-0000-0000000000f\(n)', '\\x0\(n)', \(user), '{pwd}', now() - interval '40 days', \(ended))
          """
        }
        func code(_ n: Int, browser: Int, expired: String) -> String {
          """
          ('\\xc\(n)', \(service), \(user), '00000000-0000-0000-0000-0000000000f\(browser)', 'https://app.example/cb', '{openid}',
           now() - interval '40 days', now() - interval '\(expired)')
          """
        }
        for statement in [
          """
          INSERT INTO token.authorization_requests (id, service_id, request, expires_at) VALUES
              ('00000000-0000-0000-0000-0000000000a1', \(service), '{}', now() - interval '1 second'),
              ('00000000-0000-0000-0000-0000000000a2', \(service), '{}', now() + interval '10 minutes')
          """,
          // 1: ended 31 days ago, nothing names it (goes); 2: the same, named by an app session;
          // 3: the same, named by a code that goes in this run (both go); 4: named by a code
          // inside its day (both stay); 5: ended 10 days ago; 6: open.
          """
          INSERT INTO token.browser_sessions (id, token_hash, user_id, amr, created_at, expires_at) VALUES
              \(browser(1, ended: "now() - interval '31 days'")), \(browser(2, ended: "now() - interval '31 days'")),
              \(browser(3, ended: "now() - interval '31 days'")), \(browser(4, ended: "now() - interval '31 days'")),
              \(browser(5, ended: "now() - interval '10 days'")), \(browser(6, ended: "now() + interval '1 day'"))
          """,
          """
          INSERT INTO token.authorization_codes
              (code_hash, service_id, user_id, browser_session_id, redirect_uri, scopes, created_at, expires_at) VALUES
              \(code(3, browser: 3, expired: "25 hours")), \(code(4, browser: 4, expired: "1 hour"))
          """,
          "UPDATE token.sessions SET browser_session_id = '00000000-0000-0000-0000-0000000000f2' WHERE user_id = \(user)",
          // makePerson's proven claim was made two days ago; a claim of today stays.
          "UPDATE idp.phone_claims SET created_at = now() - interval '2 days' WHERE user_id = \(user)",
          """
          INSERT INTO idp.phone_claims (id, user_id, phone_number, code_hash, expires_at) VALUES
              ('00000000-0000-0000-0000-0000000000d1', \(user), '010-0000-0003', '\\x\(String(repeating: "ab", count: 32))',
               now() + interval '5 minutes')
          """,
        ] {
          try await execute(db, PostgresQuery(unsafeSQL: statement))
        }

        let output = try await cleanup(cluster)
        for line in [
          "token.authorization_requests: deleted 1", "token.authorization_codes: deleted 1", "token.browser_sessions: deleted 2",
        ] {
          #expect(output.contains(line), "\(line) missing from:\n\(output)")
        }
        #expect(try await cleanup(cluster, "idp-service").contains("idp.phone_claims: deleted 1"))

        #expect(try await int(db, "SELECT count(*)::int FROM token.authorization_requests WHERE id::text LIKE '%a2'") == 1)
        #expect(try await int(db, "SELECT count(*)::int FROM token.authorization_requests") == 1)
        #expect(try await int(db, "SELECT count(*)::int FROM token.authorization_codes WHERE code_hash = '\\xc4'") == 1)
        #expect(try await int(db, "SELECT count(*)::int FROM token.authorization_codes") == 1)
        let kept = try await withPostgres(TestEnvironment.database(owner: true, name: db)) { owner in
          try await owner.query(
            "SELECT right(id::text, 1) FROM token.browser_sessions WHERE id::text LIKE '00000000-0000-0000-0000-0000000000f%' ORDER BY id",
            logger: TestEnvironment.logger
          ).collect().map { try $0.decode(String.self) }
        }
        #expect(kept == ["2", "4", "5", "6"], "\(kept)")
        let claims = try await withPostgres(TestEnvironment.database(owner: true, name: db)) { owner in
          try await owner.query("SELECT id FROM idp.phone_claims", logger: TestEnvironment.logger).collect().map {
            try $0.decode(UUID.self)
          }
        }
        #expect(claims == [UUID(uuidString: "00000000-0000-0000-0000-0000000000d1")!], "\(claims)")
        // The claim that proved it went; the profile keeps its number.
        let profile = try await cluster.api.get("/api/v1/idp/profile", as: IdentityProfileView.self, headers: person.auth)
        #expect(profile.value?.userPhoneNumber == person.phone, "\(profile.body)")
        try await verifyAudit(cluster)
      }
    }
  }
}
