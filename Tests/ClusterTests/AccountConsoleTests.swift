import Foundation
import Testing

@testable import Shared
@testable import TestSupport

/// The account console, `/account` (docs/pages.md): a relying party of our own provider whose
/// pages change the person's own account.
@Suite(.serialized, .timeLimit(.minutes(5))) struct AccountConsoleTests {
  /// In chromium: sign in through the console, change the name, turn on TOTP from the page's
  /// key, sign out, sign in again with a backup code, switch to Korean, sign out everywhere.
  @Test func aPersonManagesTheirAccountInABrowser() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let account = try await cluster.api.makeAccount()
      let settings: [String: Any] = [
        "issuer": cluster.url(""), "person": ["username": account.username, "password": account.password],
      ]
      let (status, output) = try PythonCheck.browser("account_console.py", settings: settings, screenshots: "account")
      try #require(status == 0, "\(output)\n\(cluster.logs)")
      for page in ["sign-in", "account", "totp", "backup-codes", "sign-out", "account-ko"] {
        #expect(output.contains("-\(page)-phone.png") && output.contains("-\(page)-desktop.png"), "no screenshots of \(page): \(output)")
      }
      // What the pages said happened, happened: stored, with its audit rows, and every
      // session ended by "sign out everywhere" (a browser session ends by the account's token
      // version passing it, docs/oidc.md).
      try await withPostgres(TestEnvironment.database(owner: true)) { owner in
        let rows = try await owner.query(
          """
          SELECT u.first_name || ' ' || u.last_name, u.mfa_enabled, u.preferred_language,
                 (SELECT count(*)::int FROM audit.events e WHERE e.actor_user_id = u.id AND e.action = 'PROFILE_UPDATED'),
                 (SELECT count(*)::int FROM token.sessions s WHERE s.user_id = u.id AND s.revoked_at IS NULL),
                 (SELECT count(*)::int FROM token.browser_sessions b
                  WHERE b.user_id = u.id AND b.revoked_at IS NULL AND b.token_version = u.token_version)
          FROM token.users u WHERE u.username = \(account.username)
          """, logger: TestEnvironment.logger
        ).collect()
        let row = try #require(rows.first).makeRandomAccess()
        #expect(try row[0].decode(String.self) == "Jiwoo Kim")
        #expect(try row[1].decode(Bool.self) && row[2].decode(String.self) == "ko")
        #expect(try row[3].decode(Int.self) == 2)
        #expect(try row[4].decode(Int.self) == 0 && row[5].decode(Int.self) == 0, "sessions left open")
      }
    }
  }

  /// Signed out, `/account` starts the console's authorization request (PKCE, a state bound to
  /// this browser); a callback with another state starts again; the code's exchange sets the
  /// console's cookies; a form without this browser's CSRF token is refused and changes nothing.
  @Test func theConsoleSignsInAsAClientAndRefusesForeignForms() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let account = try await cluster.api.makeAccount()
      let browser = PageBrowser(cluster)
      let start = try await browser.get("/account")
      #expect(start.status == 303, "\(start)")
      let authorize = try #require(start.location)
      #expect(authorize.hasPrefix("/oauth/authorize?") && authorize.contains("client_id=gh_account_console"), "\(authorize)")
      #expect(authorize.contains("code_challenge_method=S256"), "\(authorize)")

      let forged = try await browser.get("/account/callback?code=x&state=not-this-browsers")
      #expect(forged.status == 303 && forged.location?.hasPrefix("/oauth/authorize?") == true, "\(forged)")

      let signInPage = try await browser.get(try #require(forged.location))
      let signedIn = try await browser.post(
        "/signin", ["request": signInPage.field("request") ?? "", "identifier": account.username, "password": account.password])
      let callback = try #require(signedIn.location, "\(signedIn)")
      #expect(callback.contains("/account/callback?"), "\(callback)")
      let landed = try await browser.get(callback)
      #expect(landed.status == 303 && landed.location == "/account", "\(landed)")
      #expect(browser.cookies["__Host-gh_account"] != nil && browser.cookies["__Host-gh_account_refresh"] != nil)

      let console = try await browser.get("/account")
      #expect(console.status == 200 && console.body.contains("id=\"page-account\""), "\(console.status)")
      #expect(console.body.contains(account.username))

      let foreign = try await browser.post("/account/profile", ["first_name": "Mallory"], csrf: false)
      #expect(foreign.status == 403 && foreign.body.contains("form_expired"), "\(foreign.status) \(foreign.body.prefix(300))")
      let token = bearer(try await cluster.api.signIn(account).accessToken)
      let profile = try await cluster.api.get("/api/v1/users/me", as: Profile.self, headers: token)
      #expect(profile.value?.firstName != "Mallory", "\(profile.body)")

      let foreignDecision = try await browser.post("/approve/\(UUID().uuidString)/confirm", ["pin": "284615"], csrf: false)
      #expect(foreignDecision.status == 403 && foreignDecision.body.contains("form_expired"), "\(foreignDecision.status)")
      // Nonsense in a path or a form is a page saying so, never a 500.
      for path in ["/approve/not-a-transaction/confirm", "/approve/\(String(repeating: "9", count: 300))/reject"] {
        let odd = try await browser.post(path, ["pin": "x"])
        #expect(odd.status == 200 && odd.body.contains("id=\"result\""), "\(path): \(odd.status)")
      }
      // A path no page serves is the error page under the pages' prefixes, problem JSON elsewhere.
      let missing = try await browser.get("/account/nothing-here")
      #expect(missing.status == 404 && missing.body.contains("id=\"page-error\""), "\(missing.status)")
      let api = try await browser.get("/api/v1/nothing-here")
      #expect(api.status == 404 && api.body.contains("\"code\":\"not_found\""), "\(api.body)")
      let oddQuery = try await browser.get("/account?done=%00%FF&problem=\(String(repeating: "a", count: 500))")
      #expect(oddQuery.status == 200 && !oddQuery.body.contains("id=\"problem\""), "\(oddQuery.status)")

      let wrong = try await browser.post("/account/password", ["current_password": "not it", "new_password": "a fine new passphrase"])
      #expect(wrong.status == 303 && wrong.location == "/account?problem=invalid_current_password#password", "\(wrong)")
      let shown = try await browser.get(try #require(wrong.location))
      #expect(shown.body.contains("data-code=\"invalid_current_password\""), "\(shown.status)")
    }
  }

  /// In chromium, on `/approve`: a provider's request appears on the open page without a
  /// reload, the PIN typed on the pad approves it and the provider's callback server receives
  /// the result; a wrong PIN and a rejection say so, and are what the database holds.
  @Test func aPersonApprovesARequestThatArrivesWhileThePageIsOpen() async throws {
    try await IdPTests().withReadyCluster { cluster, receiver in
      let sp = try await cluster.api.makeSP(callback: receiver.url)
      let person = try await cluster.api.makePerson()
      let settings: [String: Any] = [
        "issuer": cluster.url(""),
        "person": [
          "username": person.account.username, "password": person.account.password, "phone": person.phone, "pin": person.pin,
          "new_pin": "502813",
        ],
        "sp": ["client_id": sp.clientID, "client_secret": sp.clientSecret],
      ]
      let (status, output) = try PythonCheck.browser("approve_page.py", settings: settings, screenshots: "approve")
      try #require(status == 0, "\(output)\n\(cluster.logs)")
      struct Seen: Decodable {
        struct Outcome: Decodable {
          let transactionID: String
          let pageSaid: String
          let appearedAfter: Double

          enum CodingKeys: String, CodingKey {
            case transactionID = "transaction_id"
            case pageSaid = "page_said"
            case appearedAfter = "appeared_after_s"
          }
        }
        let outcomes: [String: Outcome]
      }
      let seen = try JSONDecoder().decode(Seen.self, from: Data(output.utf8))
      let approved = try #require(seen.outcomes["approved"])
      // Recorded, not asserted (speed is measured by `make bench`): seconds from the provider's
      // request to its card on the open page.
      print("approval page: requests appeared after \(seen.outcomes.values.map(\.appearedAfter).sorted()) s")
      #expect(approved.pageSaid == "completed")
      #expect(seen.outcomes["wrong-pin"]?.pageSaid == "invalid_pin" && seen.outcomes["rejected"]?.pageSaid == "failed", "\(output)")
      let told = try await eventually(timeout: .seconds(10)) {
        await receiver.deliveries().contains { $0.callback?.transactionID == approved.transactionID && $0.callback?.status == .completed }
      }
      #expect(told, "the provider was not told of \(approved.transactionID)")
      // The PIN changed on the page is the one that approves now.
      let again = try await cluster.api.request(sp, person)
      let confirmed = try await cluster.api.confirm(person, again, pin: "502813")
      #expect(confirmed.status == 200 && confirmed.value?.status == .completed, "\(confirmed.body)")
    }
  }
}

extension AccountConsoleTests {
  /// The console's identity section: in chromium, a new person types a number without dashes and
  /// a PIN and sees it waiting for its code; then the code from the SMS (a wrong one first)
  /// proves it, and only then is it the profile's number, audited.
  @Test func aPersonSetsUpIdentityVerificationWithTheCodeSentByText() async throws {
    try await IdPTests().withReadyCluster { cluster, _ in
      let sms = try await SMSReceiver.shared()
      let account = try await cluster.api.makeAccount()
      let phone = PhoneProofTests.randomNumber()
      let settings: [String: Any] = [
        "issuer": cluster.url(""), "person": ["username": account.username, "password": account.password],
        "phone": phone.replacingOccurrences(of: "-", with: ""),
      ]
      let (status, output) = try PythonCheck.browser("account_identity.py", settings: settings, screenshots: "account-identity")
      try #require(status == 0, "\(output)\n\(cluster.logs)")
      #expect(output.contains(phone), "the page does not show the number as the API writes it: \(output)")

      let code = try await sms.code(to: phone)
      let browser = PageBrowser(cluster)
      try await browser.signInToConsole(account)
      let wrong = try await browser.post("/account/identity/phone/verify", ["code": code == "000000" ? "000001" : "000000"])
      #expect(wrong.status == 303 && wrong.location == "/account?problem=invalid_code#identity", "\(wrong)")
      let proven = try await browser.post("/account/identity/phone/verify", ["code": code])
      #expect(proven.status == 303 && proven.location == "/account?done=phone_verified#identity", "\(proven)")
      let page = try await browser.get("/account")
      #expect(page.body.contains("<strong>\(phone)</strong>") && !page.body.contains("id=\"phone-pending\""), "\(page.status)")
      // A change of the number needs the password (a stolen session would otherwise point the
      // person's identity at another phone); with it, a number that is none is still refused.
      let unproven = try await browser.post("/account/identity/phone", ["phone": PhoneProofTests.randomNumber()])
      #expect(unproven.status == 303 && unproven.location == "/account?problem=reauthentication_required#identity", "\(unproven)")
      let nonsense = try await browser.post("/account/identity/phone", ["phone": "call me", "current_password": account.password])
      #expect(nonsense.status == 303 && nonsense.location == "/account?problem=invalid_field#identity", "\(nonsense)")

      try await withPostgres(TestEnvironment.database(owner: true, name: cluster.database)) { owner in
        let rows = try await owner.query(
          """
          SELECT p.phone_number,
                 (SELECT count(*)::int FROM audit.events e WHERE e.actor_user_id = u.id AND e.action = 'IDP_PHONE_NUMBER_VERIFIED'),
                 (SELECT count(*)::int FROM audit.events e WHERE e.actor_user_id = u.id AND e.action = 'IDP_PHONE_CODE_WRONG')
          FROM token.users u JOIN idp.identity_profiles p ON p.user_id = u.id WHERE u.username = \(account.username)
          """, logger: TestEnvironment.logger
        ).collect()
        let row = try #require(rows.first).makeRandomAccess()
        #expect(try row[0].decode(String?.self) == phone)
        #expect(try row[1].decode(Int.self) == 1 && row[2].decode(Int.self) == 1)
      }
    }
  }
}
