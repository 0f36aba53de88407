import Foundation
import PostgresNIO
import Testing

@testable import Shared
@testable import TestSupport

/// Passkeys on the hosted pages (issue 17, docs/passkeys.md "On the pages") in chromium with its
/// virtual authenticator (Tests/python/passkey_pages.py), so the pages' own script runs every
/// ceremony; what the pages showed is checked again in the database. The issuer is
/// `http://localhost:…`: a WebAuthn RP ID is a domain, never an IP address.
///
/// Caught on the code before: the sign-in page had no passkey button, the console no passkeys
/// section and the second-factor page only a code field, so the script fails at its first step.
@Suite(.serialized, .timeLimit(.minutes(5))) struct PasskeyPagesTests {
  @Test func addSignInAnswerTheSecondStepAndRemoveInABrowser() async throws {
    try await withCluster(issuerHost: "localhost") { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      // An app whose service requires a second factor, and a person of it without TOTP.
      let portal = try await cluster.api.makeOpenIDClient(publicClient: true, firstParty: true)
      let strict = try await cluster.api.makeOpenIDClient(publicClient: true, firstParty: true, account: portal.account)
      try await cluster.api.requireMFA(strict)
      let account = portal.account
      let settings: [String: Any] = [
        "issuer": cluster.url(""), "person": ["username": account.username, "password": account.password],
        "strict_authorize": OpenIDRefusalTests.query(strict), "redirect_uri": strict.redirectURI,
      ]
      let (status, output) = try PythonCheck.browser("passkey_pages.py", settings: settings, screenshots: "passkeys")
      try #require(status == 0, "\(output)\n\(cluster.logs)")
      let seen = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], "\(output)")
      #expect(seen["names"] as? [String] == ["Laptop"], "\(seen)")
      #expect(seen["strict app"] as? String == "code", "\(seen)")
      // The console's recent sign-ins, newest first: the passkey, then the password (the strict
      // app's second step, passed in place, is no new sign-in); the add refused for an empty
      // password field is no wrong password, so no failure shows.
      #expect(seen["history"] as? [String] == ["passkey", "password"], "\(seen)")
      #expect((seen["add without password"] as? String)?.isEmpty == false, "\(seen)")
      #expect(seen["passkey sign-in methods"].map { "\($0)" }?.contains("hwk · user · mfa") == true, "\(seen)")
      #expect(seen["second factor methods"].map { "\($0)" }?.contains("pwd · hwk · mfa") == true, "\(seen)")
      #expect(seen["removed passkey"] as? String == "passkey_unknown", "\(seen)")
      let notVerified = seen["not verified"] as? String ?? ""
      #expect(notVerified == "passkey_user_not_verified" || notVerified.hasPrefix("said: "), "\(seen)")

      let user = "(SELECT id FROM token.users WHERE username = '\(account.username)')"
      let counts = try await ownerCounts(
        cluster,
        [
          "SELECT count(*)::int FROM token.passkeys WHERE user_id = \(user)",
          "SELECT count(*)::int FROM audit.events WHERE actor_user_id = \(user) AND action = 'PASSKEY_REGISTERED'",
          "SELECT count(*)::int FROM audit.events WHERE actor_user_id = \(user) AND action = 'PASSKEY_RENAMED'",
          "SELECT count(*)::int FROM audit.events WHERE actor_user_id = \(user) AND action = 'PASSKEY_REMOVED'",
          "SELECT count(*)::int FROM token.browser_sessions WHERE user_id = \(user) AND 'hwk' = ANY(amr) AND mfa_at IS NOT NULL",
        ])
      // Registered, renamed and removed once each; four browser sessions passed MFA by the
      // passkey (alone once; as the second step three times, once in place for the strict app).
      #expect(counts == [0, 1, 1, 1, 4], "passkeys, registered, renamed, removed, browser sessions by passkey")
    }
  }
}
