import Foundation
import PostgresNIO
import Testing

@testable import Shared
@testable import TestSupport

/// Passkeys through the JSON API (issue 17, docs/passkeys.md), driven by a software authenticator
/// built from python-fido2 (Tests/python/passkey_api.py) against the real executables; what the
/// answers said is checked again in the database.
///
/// Caught on the code before: `/api/v1/users/me/passkeys*` and `/api/v1/auth/passkey*` did not
/// exist (404), so the script fails at its first passkey step.
@Suite(.serialized, .timeLimit(.minutes(5))) struct PasskeyAPITests {
  @Test func registerRenameSignInAndRemoveAndEveryForgeryIsRefused() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let account = try await cluster.api.makeAccount(firstParty: true)
      let settings: [String: Any] = [
        "issuer": cluster.url(""), "service": account.slug, "person": ["username": account.username, "password": account.password],
      ]
      let file = TestEnvironment.runDirectory.appendingPathComponent("passkey-\(UUID().uuidString.prefix(8)).json")
      try JSONSerialization.data(withJSONObject: settings).write(to: file)
      let (status, output) = try PythonCheck.run("passkey_api.py", [file.path])
      try #require(status == 0, "\(output)\n\(cluster.logs)")
      let seen = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], "\(output)")
      func code(_ step: String) -> String? { (seen[step] as? [Any])?.last as? String }
      #expect(code("options without proof") == "reauthentication_required")
      #expect(code("registration replayed") == "passkey_ceremony_expired")
      #expect(code("wrong origin") == "passkey_origin_mismatch")
      #expect(code("wrong RP ID") == "passkey_rp_mismatch")
      #expect(code("counter back") == "passkey_counter_regressed")
      #expect(code("no user verification") == "passkey_user_not_verified")
      #expect(code("remove without proof") == "reauthentication_required")
      #expect(code("removed passkey") == "passkey_unknown")
      #expect(code("second factor by an unknown passkey") == "passkey_unknown")
      #expect(seen["racing statuses"] as? [Int] == [200, 400, 400, 400, 400, 400, 400, 400], "\(seen)")
      #expect(seen["names"] as? [String] == ["Laptop", "Old phone"])

      let user = "(SELECT id FROM token.users WHERE username = '\(account.username)')"
      let counts = try await ownerCounts(
        cluster,
        [
          "SELECT count(*)::int FROM token.passkeys WHERE user_id = \(user) AND name = 'Old phone'",
          "SELECT count(*)::int FROM token.passkeys WHERE user_id = \(user)",
          "SELECT count(*)::int FROM audit.events WHERE actor_user_id = \(user) AND action = 'PASSKEY_REGISTERED'",
          "SELECT count(*)::int FROM audit.events WHERE actor_user_id = \(user) AND action = 'PASSKEY_RENAMED'",
          "SELECT count(*)::int FROM audit.events WHERE actor_user_id = \(user) AND action = 'PASSKEY_REMOVED'",
          "SELECT count(*)::int FROM token.sessions WHERE user_id = \(user) AND auth_method = 'passkey' AND mfa_at IS NOT NULL",
          """
          SELECT count(*)::int FROM audit.events WHERE actor_user_id = \(user) AND action = 'USER_LOGIN'
            AND details->>'method' = 'password' AND details->>'mfa' = 'passkey'
          """,
        ])
      // What the answers said is what is stored: one passkey left, each change audited, the two
      // passkey sign-ins are sessions that passed MFA by the passkey, and one password sign-in
      // passed its second step by passkey.
      #expect(
        counts == [1, 1, 2, 1, 1, 2, 1], "passkeys named, passkeys, registered, renamed, removed, passkey sessions, passkey second factors")
    }
  }
}
