import Foundation
import Testing

@testable import Shared
@testable import TestSupport

/// The account console's linked accounts (docs/pages.md), against the local provider fakes.
extension SocialTests {
  /// In chromium: link GitHub from /account, sign in to the console with it, unlink it. The
  /// console offers every configured provider, so a person who signs in only with one reaches
  /// their account; it makes no accounts of its own.
  @Test func aPersonLinksSignsInWithAndUnlinksAProviderAccountInTheConsole() async throws {
    try await withProviders { cluster, fakes, _ in
      let account = try await cluster.api.makeAccount()
      let digits = String(UInt32.random(in: 100_000...999_999))
      try await setPersona(fakes, "github", #"{"id": 777\#(digits), "login": "jiwoo\#(digits)", "email": "gh-\#(digits)@example.com"}"#)
      let settings: [String: Any] = [
        "issuer": cluster.url(""), "person": ["username": account.username, "password": account.password],
      ]
      let (status, output) = try PythonCheck.browser("account_social.py", settings: settings, screenshots: "account-social")
      try #require(status == 0, "\(output)\n\(cluster.logs)")
      #expect(output.contains("\"signed_in_with_github\": true") && output.contains("\"unlinked\": true"), "\(output)")

      // What the pages did is stored: linked once (the audit row names the GitHub account),
      // unlinked once, no link left, and GitHub's sign-in made no second account.
      try await withPostgres(TestEnvironment.database(owner: true)) { owner in
        let rows = try await owner.query(
          """
          SELECT (SELECT count(*)::int FROM audit.events e WHERE e.actor_user_id = u.id AND e.action = 'SOCIAL_ACCOUNT_LINKED'
                    AND e.details->>'provider_user_id' = \("777\(digits)")),
                 (SELECT count(*)::int FROM audit.events e WHERE e.actor_user_id = u.id AND e.action = 'SOCIAL_ACCOUNT_UNLINKED'),
                 (SELECT count(*)::int FROM social.linked_accounts l WHERE l.provider_user_id = \("777\(digits)")),
                 (SELECT count(*)::int FROM token.users v WHERE v.email = \("gh-\(digits)@example.com"))
          FROM token.users u WHERE u.username = \(account.username)
          """, logger: TestEnvironment.logger
        ).collect()
        let row = try #require(rows.first).makeRandomAccess()
        #expect(try row[0].decode(Int.self) == 1 && row[1].decode(Int.self) == 1, "linked or unlinked not audited once")
        #expect(try row[2].decode(Int.self) == 0 && row[3].decode(Int.self) == 0)
      }

      // A provider step that failed or was cancelled links nothing and says so; a form without
      // this browser's CSRF token starts nothing.
      let browser = PageBrowser(cluster)
      try await browser.signInToConsole(account)
      let cancelled = try await browser.get("/account/social/linked?error=access_denied&state=github")
      #expect(cancelled.status == 303 && cancelled.location == "/account?problem=link_not_completed#social", "\(cancelled)")
      let forged = try await browser.post(
        "/account/social/link", ["provider": "github", "current_password": account.password], csrf: false)
      #expect(forged.status == 403 && forged.body.contains("form_expired"), "\(forged.status)")
      let wrong = try await browser.post("/account/social/link", ["provider": "github", "current_password": "not the password 1"])
      #expect(wrong.status == 303 && wrong.location == "/account?problem=invalid_current_password#social", "\(wrong)")
      let unknown = try await browser.post("/account/social/unlink", ["provider": "nobody", "current_password": account.password])
      #expect(unknown.status == 303 && unknown.location?.hasPrefix("/account?problem=") == true, "\(unknown)")
      let page = try await browser.get("/account?problem=link_not_completed")
      #expect(page.status == 200 && page.body.contains("data-code=\"link_not_completed\""), "\(page.status)")
    }
  }
}
