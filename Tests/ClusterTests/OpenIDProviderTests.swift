import Foundation
import PostgresNIO
import Testing

@testable import Shared
@testable import TestSupport

/// Gatehouse as an OpenID Provider (docs/oidc.md), driven from discovery by standard relying-party
/// libraries (authlib and idpyoidc, Tests/python/oidc_rp.py) through the hosted pages.
@Suite(.serialized, .timeLimit(.minutes(5))) struct OpenIDProviderTests {
  /// The relying-party script's own test against a fake provider: it refuses a bad `iss`, `state`,
  /// signature, `at_hash`, `nonce` or `aud`, so a pass of the tests below means something.
  @Test func theRelyingPartyScriptPassesItsSelfTest() throws {
    let result = try PythonCheck.run("oidc_rp_selftest.py", [])
    #expect(result.status == 0 && result.output.hasSuffix(" 0 failed"), "\(result.output)")
  }

  /// A confidential client (authlib) and a public PKCE client (idpyoidc) of two services: the first
  /// signs in with the password and gives consent, the second gets in on the browser session alone,
  /// and RP-initiated logout ends the browser session and both apps' sessions.
  @Test func twoLibrariesSignInOnceAndSignOutEverywhere() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let shop = try await cluster.api.makeOpenIDClient()
      let app = try await cluster.api.makeOpenIDClient(publicClient: true, firstParty: true, account: shop.account)
      let jar = TestEnvironment.runDirectory.appendingPathComponent("oidc-\(UUID().uuidString).json")
      defer { try? FileManager.default.removeItem(at: jar) }

      let first = try cluster.relyingParty("authlib", shop, scope: "openid profile email offline_access", cookies: jar)
      #expect(first.status == 0, "\(first.output)\n\(cluster.logs)")
      #expect(first.pages == ["sign-in", "consent"], "\(first.output)")
      #expect(first.idToken["aud"] as? String == shop.clientID && first.idToken["azp"] as? String == shop.clientID)
      #expect(first.idToken["amr"] as? [String] == ["pwd"], "\(first.output)")
      #expect((first.json["token_response"] as? [String: Any])?["has_refresh_token"] as? Bool == true, "\(first.output)")
      #expect(first.userinfo["preferred_username"] as? String == shop.account.username, "\(first.output)")
      #expect(first.userinfo["sub"] as? String == first.idToken["sub"] as? String)

      // authlib as a public PKCE client too, on the same browser session.
      let publicRun = try cluster.relyingParty("authlib", app, scope: "openid", cookies: jar, extra: ["--expect-sso"])
      #expect(publicRun.status == 0 && publicRun.pages.isEmpty, "\(publicRun.output)")
      #expect(publicRun.idToken["aud"] as? String == app.clientID, "\(publicRun.output)")

      let second = try cluster.relyingParty("idpyoidc", app, scope: "openid email", cookies: jar, extra: ["--expect-sso", "--logout"])
      #expect(second.status == 0, "\(second.output)\n\(cluster.logs)")
      #expect(second.pages.isEmpty, "single sign-on shows no page: \(second.output)")
      #expect(second.idToken["sid"] as? String == first.idToken["sid"] as? String, "one browser session: \(second.output)")
      #expect(second.idToken["sub"] as? String == first.idToken["sub"] as? String)
      #expect((second.json["token_response"] as? [String: Any])?["has_refresh_token"] as? Bool == false, "\(second.output)")
      #expect(second.userinfo["email"] as? String == "\(shop.account.username)@example.com" && second.userinfo["name"] == nil)

      // After the logout the browser session and both apps' sessions are over.
      let silent = try cluster.relyingParty("authlib", shop, cookies: jar, extra: ["--param", "prompt=none"])
      #expect(silent.status == 3 && silent.authorizationError == "login_required", "\(silent.output)")
      let open = try await withPostgres(TestEnvironment.database(owner: true)) { owner in
        try await owner.query(
          """
          SELECT count(*) FROM token.sessions s JOIN token.browser_sessions b ON b.id = s.browser_session_id
          WHERE b.user_id = (SELECT id FROM token.users WHERE username = \(shop.account.username)) AND s.revoked_at IS NULL
          """, logger: TestEnvironment.logger
        ).collect().first?.decode(Int.self) ?? -1
      }
      #expect(open == 0)
    }
  }
}

/// Refusals at the authorization endpoint, its pages and the token endpoint (docs/oidc.md).
@Suite(.serialized, .timeLimit(.minutes(5))) struct OpenIDRefusalTests {
  /// RFC 7636 appendix B.
  static let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
  static let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

  static func escaped(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "" }

  static func query(_ client: OpenIDClient, _ extra: String = "", pkce: Bool = true) -> String {
    "/oauth/authorize?response_type=code&client_id=\(client.clientID)&scope=openid&state=s1&redirect_uri=\(escaped(client.redirectURI))"
      + (pkce ? "&code_challenge=\(challenge)&code_challenge_method=S256" : "") + extra
  }

  @Test func refusalsArePagesBeforeTheRedirectURIIsKnownAndRedirectsAfter() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let app = try await cluster.api.makeOpenIDClient(publicClient: true)
      // A foreign redirect URI: a page, and nothing is sent anywhere.
      let foreign = try await Browser.send(
        cluster.url(Self.query(app).replacingOccurrences(of: Self.escaped(app.redirectURI), with: "https%3A%2F%2Fevil.example%2Fcb")))
      #expect(foreign.status == 400 && foreign.headers["location"] == nil, "\(foreign)")
      #expect(foreign.body.contains("data-code=\"invalid_redirect_uri\""), "\(foreign.body)")
      #expect(foreign.headers["content-security-policy"]?.contains("frame-ancestors 'none'") == true)
      #expect(foreign.headers["content-security-policy"]?.contains("unsafe-inline") == false)
      // After it: the client is told at its redirect URI, with state and iss.
      for (query, error) in [
        (Self.query(app, "&code_challenge=\(Self.challenge)&code_challenge_method=plain", pkce: false), "invalid_request"),
        (Self.query(app, pkce: false), "invalid_request"),
        (Self.query(app).replacingOccurrences(of: "scope=openid", with: "scope=openid%20admin"), "invalid_scope"),
        (Self.query(app, "&prompt=none"), "login_required"),
      ] {
        let answer = try await Browser.send(cluster.url(query))
        let location = answer.headers["location"] ?? ""
        #expect(answer.status == 303 && location.hasPrefix(app.redirectURI + "?error="), "\(query): \(answer)")
        let items = URLComponents(string: location)?.queryItems ?? []
        func item(_ name: String) -> String? { items.first { $0.name == name }?.value }
        #expect(item("error") == error && item("state") == "s1" && item("iss") == cluster.url(""), "\(location)")
      }
      // A form without this browser's CSRF token is refused, and says so in the reader's language.
      let page = try await Browser.send(cluster.url(Self.query(app)), headers: ["Accept-Language": "ko-KR,ko;q=0.9,en;q=0.5"])
      #expect(page.status == 200 && page.body.contains("id=\"sign-in\"") && page.body.contains("lang=\"ko\""), "\(page.body)")
      let request = try #require(page.body.firstMatch(of: /name="request" value="([^"]+)"/)?.1).description
      let csrfless = try await Browser.send(
        cluster.url("/signin"), method: .POST,
        form: ["request": request, "identifier": app.account.username, "password": app.account.password, "csrf": "guess"])
      #expect(csrfless.status == 403 && csrfless.body.contains("data-code=\"form_expired\""), "\(csrfless)")
    }
  }

  /// The registration page refuses a taken username with the form filled in again; a person who
  /// is not a member of a closed service is turned away at the client with `access_denied`.
  @Test func registrationRefusalsAndClosedServicesSayWhy() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let app = try await cluster.api.makeOpenIDClient(publicClient: true, firstParty: true)
      let browser = PageBrowser(cluster)
      let signInPage = try await browser.get(Self.query(app))
      let request = try #require(signInPage.field("request"))
      #expect(signInPage.body.contains("href=\"/signup?request=\(request)\""), "\(signInPage.body)")
      let form = try await browser.get("/signup?request=\(request)")
      #expect(form.status == 200 && form.body.contains("id=\"sign-up\""), "\(form.body)")
      let taken = try await browser.post(
        "/signup", ["request": request, "username": app.account.username, "email": "other@example.com", "password": "Another-pass-1"])
      #expect(taken.status == 200 && taken.body.contains("data-code=\"username_taken\""), "\(taken.body)")
      #expect(taken.body.contains("value=\"other@example.com\"") && !taken.body.contains("Another-pass-1"))

      // A browser session of an account that is not a member of a service nobody may join.
      let signedIn = try await browser.post(
        "/signin", ["request": request, "identifier": app.account.username, "password": app.account.password])
      #expect(signedIn.answer("code") != nil, "\(signedIn)")
      let closed = try await cluster.api.makeOpenIDClient(publicClient: true, firstParty: true)
      let (_, adminToken) = try await cluster.api.admin(role: "SUPER_ADMIN")
      var settings = ServiceSettingsBody()
      settings.autoCreateUser = false
      #expect(
        try await cluster.api.post("/api/v1/services/\(closed.slug)", settings, method: .PATCH, headers: bearer(adminToken)).status == 200)
      let refused = try await browser.get(Self.query(closed))
      #expect(refused.answer("error") == "access_denied" && refused.answer("state") == "s1", "\(refused)")
    }
  }

  /// A code is spent once and only by its client: another client's exchange and a wrong verifier
  /// are `invalid_grant` (and spend nothing); a second exchange is `invalid_grant` and revokes what
  /// the first gave.
  @Test func aReplayedCodeRevokesWhatItIssued() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let app = try await cluster.api.makeOpenIDClient(publicClient: true, firstParty: true)
      let other = try await cluster.api.makeOpenIDClient(publicClient: true)
      let page = try await Browser.send(cluster.url(Self.query(app)))
      let csrf = try #require(page.headers["set-cookie"]?.firstMatch(of: /__Host-gh_csrf=([^;]+)/)?.1).description
      let request = try #require(page.body.firstMatch(of: /name="request" value="([^"]+)"/)?.1).description
      let signedIn = try await Browser.send(
        cluster.url("/signin"), method: .POST,
        form: ["request": request, "identifier": app.account.username, "password": app.account.password, "csrf": csrf],
        headers: ["Cookie": "__Host-gh_csrf=\(csrf)"])
      let location = signedIn.headers["location"] ?? ""
      #expect(signedIn.status == 303 && location.hasPrefix(app.redirectURI + "?code=ghc_"), "\(signedIn)")
      let code = try #require(location.firstMatch(of: /code=([^&]+)/)?.1).description
      let fields = [
        ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", app.redirectURI), ("client_id", app.clientID),
        ("code_verifier", Self.verifier),
      ]
      let otherClient = try await cluster.api.oauthToken(fields.map { $0.0 == "client_id" ? ($0.0, other.clientID) : $0 })
      #expect(otherClient.status == 400 && otherClient.body.contains("invalid_grant"), "\(otherClient.body)")
      let wrongVerifier = try await cluster.api.oauthToken(
        fields.map { $0.0 == "code_verifier" ? ($0.0, String(repeating: "a", count: 43)) : $0 })
      #expect(wrongVerifier.status == 400 && wrongVerifier.body.contains("invalid_grant"), "\(wrongVerifier.body)")
      let first = try await cluster.api.oauthToken(fields)
      #expect(first.status == 200 && first.value?.idToken != nil, "\(first.body)")
      let access = try first.decoded().accessToken
      #expect(try await cluster.api.get("/oauth/userinfo", headers: bearer(access)).status == 200)
      let replay = try await cluster.api.oauthToken(fields)
      #expect(replay.status == 400 && replay.body.contains("invalid_grant"), "\(replay.body)")
      var last = ""
      #expect(
        try await eventually(timeout: .seconds(5)) {
          let answer = try await cluster.api.get("/oauth/userinfo", headers: bearer(access))
          last = "\(answer.status) \(answer.body)"
          return answer.status == 401
        }, "\(replay.body) \(last)")
    }
  }
}

/// The hosted pages in a real browser (Debian's chromium driven by selenium,
/// Tests/python/browser_sso.py), with screenshots of every page under the test run's folder
/// (`screenshots/oidc`).
@Suite(.serialized, .timeLimit(.minutes(5))) struct OpenIDBrowserTests {
  @Test func aPersonWithMFASignsInOnceConsentsSignsOnToASecondAppAndSignsOutOfBoth() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let shop = try await cluster.api.makeOpenIDClient(publicClient: true)
      let portal = try await cluster.api.makeOpenIDClient(publicClient: true, firstParty: true, account: shop.account)
      let uri = try await Self.enableTOTP(cluster, shop.account, firstPartySlug: portal.slug)
      let settings: [String: Any] = [
        "issuer": cluster.url(""),
        "person": ["username": shop.account.username, "password": shop.account.password, "otpauth_uri": uri],
        "first": Self.client(shop), "second": Self.client(portal),
        "newcomer": [
          "username": TestEnvironment.uniqueName("new"), "email": "\(TestEnvironment.uniqueName("new"))@example.com",
          "password": "a new person's passphrase",
        ],
      ]
      let (status, output) = try PythonCheck.browser("browser_sso.py", settings: settings, screenshots: "oidc")
      try #require(status == 0, "\(output)\n\(cluster.logs)")
      for page in ["sign-in", "second-factor", "consent", "sign-up", "sign-in-ko", "sign-in-phone", "error"] {
        #expect(output.contains("-\(page).png"), "no screenshot of \(page): \(output)")
      }
    }
  }

  static func client(_ client: OpenIDClient) -> [String: String] {
    ["client_id": client.clientID, "redirect_uri": client.redirectURI, "post_logout_redirect_uri": client.postLogoutRedirectURI]
  }

  /// TOTP on for the account, enrolled with a token of the first-party service: its otpauth URI.
  static func enableTOTP(_ cluster: Cluster, _ account: Account, firstPartySlug: String) async throws -> String {
    let login = try await cluster.api.login(
      LoginBody(
        service: firstPartySlug, username: account.username, email: nil, password: account.password, rememberMe: false,
        clientType: .mobile))
    let auth = bearer(try login.decoded().accessToken)
    let started = try await cluster.api.post(
      "/api/v1/users/me/mfa/totp", MFACodeBody(currentPassword: account.password), as: TOTPEnrolment.self, headers: auth)
    let uri = try started.decoded().otpauthURI
    let (status, code) = try PythonCheck.run("totp_code.py", [uri, "0"])
    #expect(status == 0, "\(code)")
    let enabled = try await cluster.api.post("/api/v1/users/me/mfa/totp/enable", MFACodeBody(code: code), headers: auth)
    #expect(enabled.status == 200, "\(enabled.body)")
    return uri
  }
}

/// What a third-party client's tokens may do, and what ends a browser session (docs/oidc.md).
@Suite(.serialized, .timeLimit(.minutes(5))) struct OpenIDSessionRuleTests {
  /// A super admin signs in to a third-party app with `openid offline_access`: its tokens carry
  /// no platform role and, refreshed, no more scope than was granted; "sign out everywhere" then
  /// ends the browser session too.
  @Test func aThirdPartyAppGetsWhatWasGrantedAndSignOutEverywhereEndsTheBrowserSession() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let (admin, adminToken) = try await cluster.api.admin(role: "SUPER_ADMIN")
      let app = try await cluster.api.makeOpenIDClient(publicClient: true, account: admin)
      let browser = PageBrowser(cluster)
      let query = OpenIDRefusalTests.query(app).replacingOccurrences(of: "scope=openid", with: "scope=openid%20offline_access")
      let signInPage = try await browser.get(query)
      let consentPage = try await browser.post(
        "/signin", ["request": signInPage.field("request") ?? "", "identifier": admin.username, "password": admin.password])
      #expect(consentPage.body.contains("id=\"consent\""), "\(consentPage.body)")
      let answer = try await browser.post("/consent", ["request": consentPage.field("request") ?? "", "decision": "allow"])
      let code = try #require(answer.answer("code"), "\(answer)")
      let tokens = try await cluster.api.oauthToken([
        ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", app.redirectURI), ("client_id", app.clientID),
        ("code_verifier", OpenIDRefusalTests.verifier),
      ]).decoded()
      let claims = try tokenClaims(tokens.accessToken)
      #expect(claims.platformRole == nil && claims.scope == "openid offline_access", "\(claims)")
      #expect(try tokenClaims(adminToken).platformRole == "SUPER_ADMIN")
      let refreshed = try await cluster.api.oauthToken([
        ("grant_type", "refresh_token"), ("refresh_token", try #require(tokens.refreshToken)), ("client_id", app.clientID),
      ]).decoded()
      let again = try tokenClaims(refreshed.accessToken)
      #expect(again.platformRole == nil && again.scope == "openid offline_access", "\(again)")
      #expect(try await cluster.api.get("/api/v1/services", headers: bearer(refreshed.accessToken)).status == 403)

      // The account sees the grant and the browser session; a revoked grant is asked for again.
      let listed = try await cluster.api.get("/api/v1/users/me/consents", as: ConsentList.self, headers: bearer(adminToken))
      #expect(listed.value?.consents.map(\.service) == [app.slug], "\(listed.body)")
      #expect(Set(listed.value?.consents.first?.scopes ?? []) == ["offline_access", "openid"], "\(listed.body)")
      let sessions = try await cluster.api.get("/api/v1/users/me/sessions", as: SessionList.self, headers: bearer(adminToken))
      #expect(sessions.value?.browserSessions.count == 1, "\(sessions.body)")
      #expect(try await cluster.api.delete("/api/v1/users/me/consents/\(app.slug)", headers: bearer(adminToken)).status == 204)
      #expect(try await cluster.api.delete("/api/v1/users/me/consents/\(app.slug)", headers: bearer(adminToken)).status == 404)
      let asked = try await browser.get(OpenIDRefusalTests.query(app))
      #expect(asked.body.contains("id=\"consent\""), "\(asked)")
      _ = try await browser.post("/consent", ["request": asked.field("request") ?? "", "decision": "allow"])

      // The browser session answers prompt=none until the account signs out everywhere.
      let silent = try await browser.get(OpenIDRefusalTests.query(app, "&prompt=none"))
      #expect(silent.answer("code") != nil, "\(silent)")
      #expect(try await cluster.api.post("/api/v1/auth/logout-all", headers: bearer(adminToken)).status == 200)
      let after = try await browser.get(OpenIDRefusalTests.query(app, "&prompt=none"))
      #expect(after.answer("error") == "login_required", "\(after)")
      let none = try await cluster.api.get(
        "/api/v1/users/me/sessions", as: SessionList.self, headers: bearer(try await cluster.api.signIn(admin).accessToken))
      #expect(none.value?.browserSessions.isEmpty == true, "\(none.body)")
      // And the database says so: the browser session is ended, not only outdated.
      let open = try await withPostgres(TestEnvironment.database(owner: true)) { owner in
        try await owner.query(
          """
          SELECT count(*)::int FROM token.browser_sessions b JOIN token.users u ON u.id = b.user_id
          WHERE u.username = \(admin.username) AND b.revoked_at IS NULL
          """, logger: TestEnvironment.logger
        ).collect().first?.decode(Int.self)
      }
      #expect(open == 0)
    }
  }

  /// A service that requires a second factor asks a browser session without one for it, in place
  /// (the same cookie, the other app's session alive), and turns an account without MFA away.
  @Test func aServiceRequiringMFAStepsTheSessionUpOrTurnsTheAccountAway() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let portal = try await cluster.api.makeOpenIDClient(publicClient: true, firstParty: true)
      let strict = try await cluster.api.makeOpenIDClient(publicClient: true, firstParty: true, account: portal.account)
      try await cluster.api.requireMFA(strict)
      let browser = PageBrowser(cluster)
      let signInPage = try await browser.get(OpenIDRefusalTests.query(portal))
      let signedIn = try await browser.post(
        "/signin",
        ["request": signInPage.field("request") ?? "", "identifier": portal.account.username, "password": portal.account.password])
      #expect(signedIn.answer("code") != nil, "\(signedIn)")
      // No MFA on the account: turned away at the client.
      let refused = try await browser.get(OpenIDRefusalTests.query(strict))
      #expect(refused.answer("error") == "access_denied", "\(refused)")
      // So is a client that asks for the multi-factor level first, on a service that requires nothing.
      let wanted = try await browser.get(OpenIDRefusalTests.query(portal, "&acr_values=urn%3Agatehouse%3Aacr%3Amfa"))
      #expect(wanted.answer("error") == "access_denied", "\(wanted)")
      // With MFA turned on, the same session is asked for a code and passes it in place.
      let uri = try await OpenIDBrowserTests.enableTOTP(cluster, portal.account, firstPartySlug: portal.slug)
      let cookie = browser.cookies["__Host-gh_session"]
      let asked = try await browser.get(OpenIDRefusalTests.query(strict))
      #expect(asked.body.contains("id=\"second-factor\""), "\(asked)")
      let (status, code) = try PythonCheck.run("totp_code.py", [uri, "1"])
      #expect(status == 0, "\(code)")
      let passed = try await browser.post("/signin/second-factor", ["request": asked.field("request") ?? "", "code": code])
      #expect(passed.answer("code") != nil, "\(passed)")
      #expect(browser.cookies["__Host-gh_session"] == cookie, "the session passes the factor in place")
      let again = try await browser.get(OpenIDRefusalTests.query(portal, "&prompt=none"))
      #expect(again.answer("code") != nil, "\(again)")
    }
  }

  /// Ending one browser session from the account's list ends single sign-on in that browser.
  @Test func aBrowserSessionEndedFromTheListSignsThatBrowserOut() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let app = try await cluster.api.makeOpenIDClient(publicClient: true, firstParty: true)
      let browser = PageBrowser(cluster)
      let signInPage = try await browser.get(OpenIDRefusalTests.query(app))
      let signedIn = try await browser.post(
        "/signin", ["request": signInPage.field("request") ?? "", "identifier": app.account.username, "password": app.account.password])
      #expect(signedIn.answer("code") != nil, "\(signedIn)")
      let token = bearer(try await cluster.api.signIn(app.account).accessToken)
      let listed = try await cluster.api.get("/api/v1/users/me/sessions", as: SessionList.self, headers: token)
      let id = try #require(listed.value?.browserSessions.first?.id, "\(listed.body)")
      #expect(try await cluster.api.delete("/api/v1/users/me/browser-sessions/\(id)", headers: token).status == 204)
      #expect(try await cluster.api.delete("/api/v1/users/me/browser-sessions/\(id)", headers: token).status == 404)
      let after = try await browser.get(OpenIDRefusalTests.query(app, "&prompt=none"))
      #expect(after.answer("error") == "login_required", "\(after)")
    }
  }
}

/// Exactly once, under concurrency (docs/oidc.md, "Codes").
@Suite(.serialized, .timeLimit(.minutes(5))) struct OpenIDConcurrencyTests {
  /// Twelve consent forms of one request at once give one code; twelve exchanges of that code at
  /// once give one token response, and the replays end the session it opened.
  @Test func oneRequestGivesOneCodeAndOneCodeGivesOneSession() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let app = try await cluster.api.makeOpenIDClient(publicClient: true)
      let browser = PageBrowser(cluster)
      let signInPage = try await browser.get(OpenIDRefusalTests.query(app))
      let consentPage = try await browser.post(
        "/signin", ["request": signInPage.field("request") ?? "", "identifier": app.account.username, "password": app.account.password])
      let request = try #require(consentPage.field("request"), "\(consentPage.body)")
      let answers = try await withThrowingTaskGroup(of: PageBrowser.Page.self) { group in
        for _ in 0..<12 { group.addTask { try await browser.post("/consent", ["request": request, "decision": "allow"]) } }
        return try await group.reduce(into: []) { $0.append($1) }
      }
      let codes = answers.compactMap { $0.answer("code") }
      #expect(codes.count == 1, "\(answers.map { "\($0.status) \($0.location ?? "")" })")
      #expect(answers.allSatisfy { $0.answer("code") != nil || $0.status == 400 })
      let code = try #require(codes.first)
      let fields = [
        ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", app.redirectURI), ("client_id", app.clientID),
        ("code_verifier", OpenIDRefusalTests.verifier),
      ]
      let exchanges = try await withThrowingTaskGroup(of: Int.self) { group in
        for _ in 0..<12 { group.addTask { try await cluster.api.oauthToken(fields).status } }
        return try await group.reduce(into: []) { $0.append($1) }
      }
      #expect(exchanges.filter { $0 == 200 }.count == 1 && exchanges.filter { $0 == 400 }.count == 11, "\(exchanges)")
      try await withPostgres(TestEnvironment.database(owner: true)) { owner in
        let rows = try await owner.query(
          """
          SELECT (SELECT count(*)::int FROM token.authorization_codes c JOIN token.users u ON u.id = c.user_id
                  WHERE u.username = \(app.account.username)),
                 (SELECT count(*)::int FROM token.sessions s JOIN token.users u ON u.id = s.user_id
                  WHERE u.username = \(app.account.username) AND s.browser_session_id IS NOT NULL),
                 (SELECT count(*)::int FROM token.sessions s JOIN token.users u ON u.id = s.user_id
                  WHERE u.username = \(app.account.username) AND s.revoked_reason = 'code_replayed')
          """, logger: TestEnvironment.logger
        ).collect()
        let (issued, opened, revoked) = try #require(rows.first).decode((Int, Int, Int).self)
        #expect(issued == 1 && opened == 1 && revoked == 1, "codes \(issued), sessions \(opened), revoked \(revoked)")
      }
    }
  }
}
