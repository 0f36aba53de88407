import Crypto
import Foundation
import PostgresNIO
import Testing

@testable import Shared
@testable import TestSupport

/// Social sign-in end to end: the real gateway and services against real provider servers on
/// loopback (oidc-provider-mock for OpenID Connect, Tests/python/social_fakes.py for the OAuth2
/// providers), driven hop by hop as a browser would.
// Each test at most 5 minutes (it takes seconds): one hung await fails its test instead of stopping CI.
@Suite(.serialized, .timeLimit(.minutes(5))) struct SocialTests {
  static let redirectURI = "https://app.example/auth/callback"
  static let oauth2Providers = ["kakao", "naver", "github", "facebook", "discord", "apple", "x", "linkedin"]

  /// Every built-in provider pointed at the local servers.
  static func environment(fakes: ProviderServer, oidc: ProviderServer, extra: [String: String] = [:]) async throws -> [String: String] {
    var environment = extra
    func set(_ provider: String, _ values: [String: String]) {
      for (name, value) in values { environment["GATEHOUSE_SOCIAL_\(provider.uppercased())_\(name)"] = value }
    }
    for provider in ["google", "oidc"] {
      set(provider, ["ISSUER": oidc.url, "CLIENT_ID": "gatehouse-\(provider)", "CLIENT_SECRET": "oidc-secret"])
    }
    let base = fakes.url
    for provider in ["kakao", "naver", "github", "facebook", "discord", "x", "linkedin"] {
      set(provider, ["CLIENT_ID": "test-client", "CLIENT_SECRET": "test-secret"])
    }
    set(
      "kakao",
      [
        "AUTHORIZE_URL": "\(base)/kakao/oauth/authorize", "TOKEN_URL": "\(base)/kakao/oauth/token",
        "USERINFO_URL": "\(base)/kakao/v2/user/me",
      ])
    set(
      "naver",
      [
        "AUTHORIZE_URL": "\(base)/naver/oauth2.0/authorize", "TOKEN_URL": "\(base)/naver/oauth2.0/token",
        "USERINFO_URL": "\(base)/naver/v1/nid/me",
      ])
    set(
      "github",
      [
        "AUTHORIZE_URL": "\(base)/github/login/oauth/authorize", "TOKEN_URL": "\(base)/github/login/oauth/access_token",
        "USERINFO_URL": "\(base)/github/user", "EMAILS_URL": "\(base)/github/user/emails",
      ])
    set(
      "facebook",
      [
        "AUTHORIZE_URL": "\(base)/facebook/v19.0/dialog/oauth", "TOKEN_URL": "\(base)/facebook/v19.0/oauth/access_token",
        "USERINFO_URL": "\(base)/facebook/v19.0/me?fields=id,name,email,first_name,last_name,picture",
      ])
    set(
      "discord",
      [
        "AUTHORIZE_URL": "\(base)/discord/oauth2/authorize", "TOKEN_URL": "\(base)/discord/api/oauth2/token",
        "USERINFO_URL": "\(base)/discord/api/users/@me",
      ])
    set(
      "x",
      [
        "AUTHORIZE_URL": "\(base)/x/i/oauth2/authorize", "TOKEN_URL": "\(base)/x/2/oauth2/token",
        "USERINFO_URL": "\(base)/x/2/users/me?user.fields=profile_image_url,confirmed_email",
        // An app with X's e-mail permission asks for the address too.
        "SCOPES": "users.read tweet.read users.email",
      ])
    set(
      "linkedin",
      [
        "AUTHORIZE_URL": "\(base)/linkedin/oauth/v2/authorization", "TOKEN_URL": "\(base)/linkedin/oauth/v2/accessToken",
        "JWKS_URL": "\(base)/linkedin/oauth/openid/jwks",
      ])
    // Apple: the fake's own client key signs the client secret, as a team's key would.
    let apple = try Answer<AppleFakeClient>(try await Browser.send("\(base)/_control/apple/client")).decoded()
    set(
      "apple",
      [
        "AUTHORIZE_URL": "\(base)/apple/auth/authorize", "TOKEN_URL": "\(base)/apple/auth/token",
        "JWKS_URL": "\(base)/apple/auth/keys", "CLIENT_ID": "test-client",
        "TEAM_ID": apple.teamID, "KEY_ID": apple.keyID, "PRIVATE_KEY": apple.privateKeyPEM,
      ])
    return environment
  }

  /// The servers and a cluster configured for them.
  func withProviders(extra: [String: String] = [:], _ body: (Cluster, ProviderServer, ProviderServer) async throws -> Void) async throws {
    let fakes = try await ProviderServer.socialFakes()
    let oidc = try await ProviderServer.oidcMock()
    defer {
      fakes.stop()
      oidc.stop()
    }
    try await withCluster(environment: try await Self.environment(fakes: fakes, oidc: oidc, extra: extra)) { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      try await body(cluster, fakes, oidc)
    }
  }

  func makeService(_ cluster: Cluster, providers: [String] = ["google", "oidc"] + oauth2Providers) async throws -> String {
    try await makeServiceWithClient(cluster, providers: providers).slug
  }

  /// A service offering `providers`, and its OAuth client id.
  func makeServiceWithClient(_ cluster: Cluster, providers: [String] = ["google", "oidc"] + oauth2Providers) async throws -> (
    slug: String, clientID: String
  ) {
    let slug = TestEnvironment.uniqueName("soc").replacingOccurrences(of: "_", with: "-")
    let printed = try await cluster.tokenAdmin(
      [
        "admin", "create-service", "--slug", slug, "--name", "Social",
        "--redirect-uri", Self.redirectURI,
      ] + providers.flatMap { ["--social-provider", $0] })
    let clientID = printed.split(separator: "\n").first { $0.hasPrefix("client_id") }?.split(separator: " ").last.map(String.init)
    return (slug, try #require(clientID, "\(printed)"))
  }

  struct PKCE {
    let verifier = Base64URL.encode(SecureRandom.bytes(32))
    var challenge: String { Base64URL.encode(SHA256.hash(data: Array(verifier.utf8))) }
  }

  /// `GET /api/v1/social/{provider}/authorize`: the answer (a 302 to the provider, or a problem).
  func authorize(
    _ cluster: Cluster, _ provider: String, service: String, pkce: PKCE, redirectURI: String = redirectURI,
    state: String = "client-state"
  ) async throws -> Answer<NoValue> {
    let query = Browser.formEncoded([
      "service": service, "redirect_uri": redirectURI, "state": state,
      "code_challenge": pkce.challenge, "code_challenge_method": "S256",
    ])
    return Answer(try await Browser.send(cluster.url("/api/v1/social/\(provider)/authorize?\(query)")))
  }

  /// The provider approves (an OAuth2 fake at once; the OIDC mock signs in `sub`; Apple posts a
  /// form): the request the browser then makes to Gatehouse's callback, not yet sent.
  func approve(_ location: String, provider: String, sub: String = "alice") async throws -> (url: String, form: [String: String]?) {
    if provider == "google" || provider == "oidc" {
      let approved = try await Browser.send(location, method: .POST, form: ["sub": sub])
      return (try #require(approved.headers["location"], "\(approved.status) \(approved.body)"), nil)
    }
    let approved = try await Browser.send(location)
    if provider == "apple", approved.status == 200 {
      let action = try #require(approved.body.firstMatch(of: /action="([^"]+)"/)).1
      var form: [String: String] = [:]
      for match in approved.body.matches(of: /name="([^"]+)" value="([^"]*)"/) {
        form[String(match.1)] = unescape(String(match.2))
      }
      return (unescape(String(action)), form)
    }
    return (try #require(approved.headers["location"], "\(approved.status) \(approved.body)"), nil)
  }

  func unescape(_ html: String) -> String {
    html.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#x27;", with: "'")
      .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
  }

  func callback(_ hop: (url: String, form: [String: String]?)) async throws -> Answer<NoValue> {
    if let form = hop.form { return Answer(try await Browser.send(hop.url, method: .POST, form: form)) }
    return Answer(try await Browser.send(hop.url))
  }

  /// A whole sign-in up to the client's redirect: its query (code and state, or error).
  func signIn(_ cluster: Cluster, _ provider: String, service: String, pkce: PKCE, sub: String = "alice") async throws -> [String: String] {
    let started = try await authorize(cluster, provider, service: service, pkce: pkce)
    #expect(started.status == 302, "\(started.body)")
    let back = try await callback(try await approve(try #require(started.headers["location"]), provider: provider, sub: sub))
    #expect(back.status == 302, "\(back.status) \(back.body)")
    let location = try #require(back.headers["location"])
    #expect(location.hasPrefix(Self.redirectURI + "?"), "\(location)")
    return Browser.query(location)
  }

  /// `POST /api/v1/social/token`: the login code for tokens, with the client's verifier.
  func exchange(_ cluster: Cluster, code: String, pkce: PKCE) async throws -> Answer<TokenAnswer> {
    try await Browser.send(
      cluster.url("/api/v1/social/token"),
      body: SocialExchangeBody(
        code: code, redirectURI: Self.redirectURI,
        codeVerifier: pkce.verifier),
      as: TokenAnswer.self)
  }

  func setPersona(_ fakes: ProviderServer, _ provider: String, _ persona: String) async throws {
    let set = try await Browser.send("\(fakes.url)/_control/\(provider)/persona", method: .POST, json: persona)
    #expect(set.status == 200, "\(set.body)")
  }

  func setOIDCUser(_ oidc: ProviderServer, _ sub: String, _ claims: String) async throws {
    let put = try await Browser.send("\(oidc.url)/users/\(sub)", method: .PUT, json: claims)
    #expect(put.status == 204, "\(put.body)")
  }

  /// Rows a failed sign-in must not have made: users with the e-mail, links of the provider account.
  func traces(email: String, provider: String, providerUserID: String) async throws -> (users: Int, links: Int) {
    try await withPostgres(TestEnvironment.database(owner: true)) { owner in
      let rows = try await owner.query(
        """
        SELECT (SELECT count(*)::int FROM token.users WHERE lower(email) = lower(\(email))),
               (SELECT count(*)::int FROM social.linked_accounts WHERE provider = \(provider) AND provider_user_id = \(providerUserID))
        """, logger: TestEnvironment.logger
      ).collect()
      return try #require(rows.first).decode((Int, Int).self)
    }
  }

  /// The fakes' own self-test (one full flow per provider against the documented shapes): it
  /// existed and nothing ran it, so fakes drifting from the providers went unnoticed (issue 28).
  @Test func theProviderFakesPassTheirSelfTest() throws {
    let result = try PythonCheck.run("social_fakes_selftest.py", [])
    #expect(result.status == 0 && result.output.hasSuffix(" 0 failed"), "\(result.output)")
  }

  // MARK: OpenID Connect

  @Test func theWholeFlowAgainstARealOIDCProvider() async throws {
    try await withProviders { cluster, _, oidc in
      let (slug, clientID) = try await makeServiceWithClient(cluster)
      let sub = TestEnvironment.uniqueName("alice")
      let email = "\(sub)@example.com"
      try await setOIDCUser(
        oidc, sub, #"{"email":"\#(email)","email_verified":true,"name":"Alice Kim","given_name":"Alice","family_name":"Kim"}"#)

      let providers = try await Browser.send(cluster.url("/api/v1/social/providers?service=\(slug)"))
      let listed = Answer<SocialProviderList>(providers).value?.providers
      #expect(Set(listed?.map(\.name) ?? []) == Set(["google", "oidc"] + Self.oauth2Providers))

      let pkce = PKCE()
      let started = try await authorize(cluster, "google", service: slug, pkce: pkce)
      #expect(started.status == 302, "\(started.body)")
      let toProvider = try #require(started.headers["location"])
      let sent = Browser.query(toProvider)
      // Gatehouse's own state, PKCE and nonce go to the provider; the client's do not.
      #expect(toProvider.hasPrefix(oidc.url) && sent["client_id"] == "gatehouse-google" && sent["code_challenge_method"] == "S256")
      #expect(sent["state"] != "client-state" && sent["code_challenge"] != pkce.challenge && (sent["nonce"]?.count ?? 0) >= 16)
      #expect(sent["redirect_uri"] == cluster.url("/api/v1/social/google/callback"))

      let hop = try await approve(toProvider, provider: "google", sub: sub)
      let back = try await callback(hop)
      let location = try #require(back.headers["location"], "\(back.status) \(back.body)")
      let answer = Browser.query(location)
      #expect(answer["state"] == "client-state" && answer["access_token"] == nil, "\(location)")
      let code = try #require(answer["code"], "\(location)")

      // The login code for tokens, once, with the client's verifier.
      let wrongVerifier = try await exchange(cluster, code: code, pkce: PKCE())
      #expect(wrongVerifier.status == 400 && wrongVerifier.problem?.code == "invalid_grant")
      // The wrong verifier spent it: a code is tried once.
      #expect(try await exchange(cluster, code: code, pkce: pkce).status == 400)

      let second = try await signIn(cluster, "google", service: slug, pkce: pkce, sub: sub)
      let tokens = try await exchange(cluster, code: try #require(second["code"]), pkce: pkce)
      #expect(tokens.status == 200, "\(tokens.body)")
      let grant = try tokens.decoded()
      let access = grant.accessToken
      #expect(grant.user.email == email)
      #expect(try tokenClaims(access).amr == ["fed"])
      #expect(try await cluster.api.verify(access).status == 200)
      let me = try await cluster.api.get("/api/v1/users/me", as: Profile.self, headers: bearer(access)).decoded()
      #expect(me.firstName == "Alice" && me.lastName == "Kim" && me.emailVerified == true)

      // The callback cannot be replayed: its state was spent.
      let replayed = try await callback(hop)
      #expect(replayed.status == 400 && replayed.problem?.code == "invalid_state", "\(replayed.body)")
      // An OAuth client exchanges the same kind of code at /oauth/token (authorization_code, PKCE).
      let third = try await signIn(cluster, "google", service: slug, pkce: pkce, sub: sub)
      let oauth = Answer<OAuthTokenResponse>(
        try await Browser.send(
          cluster.url("/oauth/token"), method: .POST,
          form: [
            "grant_type": "authorization_code", "code": try #require(third["code"]), "redirect_uri": Self.redirectURI,
            "code_verifier": pkce.verifier, "client_id": clientID,
          ]))
      #expect(oauth.status == 200 && oauth.value?.refreshToken != nil, "\(oauth.body)")
      let spent = Answer<OAuthErrorAnswer>(
        try await Browser.send(
          cluster.url("/oauth/token"), method: .POST,
          form: [
            "grant_type": "authorization_code", "code": try #require(third["code"]), "redirect_uri": Self.redirectURI,
            "code_verifier": pkce.verifier, "client_id": clientID,
          ]))
      #expect(spent.status == 400 && spent.value?.error == "invalid_grant", "\(spent.body)")
      // One user, one link, however many sign-ins.
      #expect(try await traces(email: email, provider: "google", providerUserID: sub) == (1, 1))
      try await withPostgres(TestEnvironment.database(owner: true)) { owner in
        let rows = try await owner.query(
          """
          SELECT u.password_hash IS NULL, (SELECT count(*)::int FROM audit.events e WHERE e.actor_user_id = u.id AND e.action = 'USER_LOGIN'
                                           AND e.details->>'method' = 'google')
          FROM token.users u WHERE lower(u.email) = lower(\(email))
          """, logger: TestEnvironment.logger
        ).collect()
        let (noPassword, logins) = try #require(rows.first).decode((Bool, Int).self)
        #expect(noPassword && logins == 2)
      }
    }
  }

  @Test func aBadNonceOrSignatureEndsInAnErrorAndNothingCreated() async throws {
    // The generic OIDC entry reads its keys from the Apple fake: no ID token of the mock verifies.
    let fakesForKeys = try await ProviderServer.socialFakes()
    defer { fakesForKeys.stop() }
    try await withProviders(extra: ["GATEHOUSE_SOCIAL_OIDC_JWKS_URL": "\(fakesForKeys.url)/apple/auth/keys"]) { cluster, _, oidc in
      let slug = try await makeService(cluster)
      let sub = TestEnvironment.uniqueName("mallory")
      let email = "\(sub)@example.com"
      try await setOIDCUser(oidc, sub, #"{"email":"\#(email)","email_verified":true}"#)
      let pkce = PKCE()

      // A nonce changed on the way to the provider comes back in the ID token, and is refused.
      let started = try await authorize(cluster, "google", service: slug, pkce: pkce)
      let original = try #require(started.headers["location"])
      let tampered = original.replacingOccurrences(of: "nonce=\(Browser.query(original)["nonce"] ?? "")", with: "nonce=forged-nonce-value")
      let back = try await callback(try await approve(tampered, provider: "google", sub: sub))
      let answer = Browser.query(try #require(back.headers["location"], "\(back.body)"))
      #expect(answer["error"] == "access_denied" && answer["error_description"]?.contains("nonce") == true, "\(answer)")
      #expect(answer["code"] == nil)

      // A token signed by a key the provider does not publish.
      let other = try await signIn(cluster, "oidc", service: slug, pkce: pkce, sub: sub)
      #expect(other["error"] == "access_denied" && other["error_description"]?.contains("signature") == true, "\(other)")
      #expect(try await traces(email: email, provider: "google", providerUserID: sub) == (0, 0))
      #expect(try await traces(email: email, provider: "oidc", providerUserID: sub) == (0, 0))
    }
  }

  // MARK: the built-in OAuth2 providers

  @Test func eachBuiltInProviderSignsInWithTheRightProfile() async throws {
    try await withProviders { cluster, fakes, _ in
      let slug = try await makeService(cluster)
      let tag = TestEnvironment.uniqueName("p")
      // Each provider's persona, and what the normalised profile must say.
      let cases: [(provider: String, persona: String, id: String, email: String, verified: Bool, name: String, avatar: String?)] = [
        (
          "kakao",
          #"{"id": 4011\#(tag.filter(\.isNumber).prefix(6)), "email": "k-\#(tag)@kakao.example", "email_verified": true, "nickname": "kakaokim", "name": "Kakao Kim", "avatar": "https://k.example/a.png"}"#,
          "4011\(tag.filter(\.isNumber).prefix(6))", "k-\(tag)@kakao.example", true, "Kakao Kim", "https://k.example/a.png"
        ),
        (
          "naver",
          #"{"id": "nv-\#(tag)", "email": "n-\#(tag)@naver.example", "name": "Naver Lee", "nickname": "naverlee", "avatar": "https://n.example/p.jpg"}"#,
          "nv-\(tag)", "n-\(tag)@naver.example", false, "Naver Lee", "https://n.example/p.jpg"
        ),
        (
          "github",
          #"{"id": 5522\#(tag.filter(\.isNumber).prefix(6)), "login": "octo\#(tag.filter(\.isNumber).prefix(4))", "name": "Octo Cat", "email": "public-\#(tag)@github.example", "emails": [{"email": "g-\#(tag)@github.example", "primary": true, "verified": true, "visibility": "private"}, {"email": "public-\#(tag)@github.example", "primary": false, "verified": false, "visibility": "public"}], "avatar": "https://gh.example/u.png"}"#,
          "5522\(tag.filter(\.isNumber).prefix(6))", "g-\(tag)@github.example", true, "Octo Cat", "https://gh.example/u.png"
        ),
        (
          "facebook",
          #"{"id": "fb-\#(tag)", "email": "f-\#(tag)@facebook.example", "first_name": "Face", "last_name": "Book", "name": "Face Book", "avatar": "https://fb.example/pic.jpg"}"#,
          "fb-\(tag)", "f-\(tag)@facebook.example", false, "Face Book", "https://fb.example/pic.jpg"
        ),
        (
          "discord",
          #"{"id": "80351110224678912\#(tag.filter(\.isNumber).prefix(2))", "username": "nelly", "global_name": "Nelly D", "avatar": "8342729096ea3675442027381ff50dfe", "email": "d-\#(tag)@discord.example", "email_verified": true, "locale": "en-US"}"#,
          "80351110224678912\(tag.filter(\.isNumber).prefix(2))", "d-\(tag)@discord.example", true, "Nelly D",
          "https://cdn.discordapp.com/avatars/80351110224678912\(tag.filter(\.isNumber).prefix(2))/8342729096ea3675442027381ff50dfe.png"
        ),
        (
          "x",
          #"{"id": "22449\#(tag.filter(\.isNumber).prefix(6))", "name": "X Dev", "username": "xdev", "avatar": "https://pbs.x.example/x.jpg", "email": "x-\#(tag)@x.example"}"#,
          "22449\(tag.filter(\.isNumber).prefix(6))", "x-\(tag)@x.example", false, "X Dev", "https://pbs.x.example/x.jpg"
        ),
        (
          "linkedin",
          #"{"id": "li-\#(tag)", "email": "l-\#(tag)@linkedin.example", "email_verified": true, "first_name": "Lin", "last_name": "Kim", "avatar": "https://media.licdn.example/l.jpg"}"#,
          "li-\(tag)", "l-\(tag)@linkedin.example", true, "Lin Kim", "https://media.licdn.example/l.jpg"
        ),
        (
          "apple",
          #"{"id": "001234.\#(tag)", "email": "a-\#(tag)@privaterelay.appleid.com", "email_verified": true, "first_name": "Ann", "last_name": "Apple", "is_private_email": true}"#,
          "001234.\(tag)", "a-\(tag)@privaterelay.appleid.com", true, "Ann Apple", nil
        ),
      ]
      for item in cases {
        try await setPersona(fakes, item.provider, item.persona)
        let pkce = PKCE()
        let answer = try await signIn(cluster, item.provider, service: slug, pkce: pkce)
        let tokens = try await exchange(cluster, code: try #require(answer["code"], "\(item.provider): \(answer)"), pkce: pkce)
        #expect(tokens.status == 200, "\(item.provider): \(tokens.body)")
        // The account takes the provider's address only when the provider verified it.
        let accountEmail = tokens.value?.user.email ?? ""
        #expect(item.verified ? accountEmail == item.email : accountEmail.hasSuffix("@users.invalid"), "\(item.provider): \(tokens.body)")
        try await withPostgres(TestEnvironment.database(owner: true)) { owner in
          let rows = try await owner.query(
            """
            SELECT email, email_verified, display_name, avatar_url FROM social.linked_accounts
            WHERE provider = \(item.provider) AND provider_user_id = \(item.id)
            """, logger: TestEnvironment.logger
          ).collect()
          let (email, verified, name, avatar) = try #require(rows.first, "\(item.provider): no link").decode(
            (String?, Bool, String?, String?).self)
          #expect(
            email == item.email && verified == item.verified && name == item.name && avatar == item.avatar,
            "\(item.provider): \(String(describing: email)) \(verified) \(String(describing: name)) \(String(describing: avatar))")
        }
      }
      // What the fakes saw: PKCE everywhere, JSON asked of GitHub, Apple's secret a JWT.
      let log = try Answer<[FakeProviderRequest]>(try await Browser.send("\(fakes.url)/_control/requests")).decoded()
      for provider in Self.oauth2Providers {
        let authorizes = log.filter { $0.provider == provider && $0.path.contains("auth") && $0.method == "GET" }
        #expect(authorizes.contains { $0.query["code_challenge_method"] == .one("S256") }, "\(provider)")
      }
      #expect(log.contains { $0.provider == "github" && $0.headers["Accept"]?.contains("application/json") == true })
    }
  }

  // MARK: what must fail, and leave nothing behind

  @Test func replayedForeignOrMisdirectedFlowsAndProviderFailuresCreateNothing() async throws {
    try await withProviders(extra: ["GATEHOUSE_SOCIAL_PROVIDER_TIMEOUT_MS": "1000"]) { cluster, fakes, _ in
      let slug = try await makeService(cluster)
      let tag = TestEnvironment.uniqueName("x")
      let pkce = PKCE()

      // A redirect URI the service did not register: 400, and no redirect anywhere.
      let misdirected = try await authorize(cluster, "kakao", service: slug, pkce: pkce, redirectURI: "https://evil.example/cb")
      #expect(misdirected.status == 400 && misdirected.headers["location"] == nil)
      #expect(misdirected.problem?.code == "invalid_redirect_uri")
      #expect(try await authorize(cluster, "myspace", service: slug, pkce: pkce).status == 404)

      // A state issued for Kakao, presented at Naver's callback.
      try await setPersona(
        fakes, "kakao", #"{"id": 77\#(tag.filter(\.isNumber).prefix(6)), "email": "kx-\#(tag)@kakao.example", "email_verified": true}"#)
      let kakao = try await authorize(cluster, "kakao", service: slug, pkce: pkce)
      let hop = try await approve(try #require(kakao.headers["location"]), provider: "kakao")
      let foreign = Answer<NoValue>(
        try await Browser.send(
          hop.url.replacingOccurrences(
            of: "/social/kakao/",
            with: "/social/naver/")))
      #expect(foreign.status == 400 && foreign.problem?.code == "invalid_state", "\(foreign.body)")
      // ...which spent it: the real callback now fails too.
      #expect(try await callback(hop).status == 400)
      #expect(
        try await traces(email: "kx-\(tag)@kakao.example", provider: "kakao", providerUserID: "77\(tag.filter(\.isNumber).prefix(6))") == (
          0, 0
        ))

      // Gatehouse's PKCE towards the provider: a challenge changed on the way fails the code exchange.
      try await setPersona(
        fakes, "kakao", #"{"id": 78\#(tag.filter(\.isNumber).prefix(6)), "email": "kp-\#(tag)@kakao.example", "email_verified": true}"#)
      let honest = try #require(try await authorize(cluster, "kakao", service: slug, pkce: pkce).headers["location"])
      let forged = honest.replacingOccurrences(
        of: "code_challenge=\(Browser.query(honest)["code_challenge"] ?? "")",
        with: "code_challenge=\(PKCE().challenge)")
      let pkceAnswer = Browser.query(try #require(try await callback(try await approve(forged, provider: "kakao")).headers["location"]))
      #expect(pkceAnswer["error"] == "access_denied" && pkceAnswer["code"] == nil, "\(pkceAnswer)")
      #expect(
        try await traces(email: "kp-\(tag)@kakao.example", provider: "kakao", providerUserID: "78\(tag.filter(\.isNumber).prefix(6))") == (
          0, 0
        ))

      // The provider says no; the token endpoint refuses; it redirects (social-service follows no
      // redirect: a provider, or whoever controls its answers, cannot point the code and the
      // client secret at another host, inside the network included); it does not answer in time.
      let modes = [
        ("deny", "access_denied"), ("token_error", "access_denied"), ("redirect", "server_error"),
        ("slow", "temporarily_unavailable"),
      ]
      for (mode, error) in modes {
        try await setPersona(
          fakes, "discord",
          #"{"id": "9\#(mode.count)\#(tag.filter(\.isNumber).prefix(8))", "email": "\#(mode)-\#(tag)@discord.example", "email_verified": true}"#
        )
        _ = try await Browser.send("\(fakes.url)/_control/discord/mode", method: .POST, json: #"{"mode":"\#(mode)","seconds":3}"#)
        let answer = try await signIn(cluster, "discord", service: slug, pkce: PKCE())
        #expect(answer["error"] == error && answer["code"] == nil && answer["state"] == "client-state", "\(mode): \(answer)")
        #expect((answer["error_description"] ?? "").isEmpty == false)
        #expect(
          try await traces(
            email: "\(mode)-\(tag)@discord.example", provider: "discord",
            providerUserID: "9\(mode.count)\(tag.filter(\.isNumber).prefix(8))") == (0, 0))
      }
      _ = try await Browser.send("\(fakes.url)/_control/discord/mode", method: .POST, json: #"{"mode":"ok"}"#)
      let followed = try await Browser.send("\(fakes.url)/_control/requests?provider=elsewhere")
      #expect(followed.status == 200 && followed.body.filter { !$0.isWhitespace } == "[]", "\(followed.body)")
    }
  }

  @Test func twoCallbacksRacingWithOneStateSignInOnce() async throws {
    try await withProviders { cluster, fakes, _ in
      let slug = try await makeService(cluster)
      let tag = TestEnvironment.uniqueName("r")
      let id = "race-\(tag)"
      try await setPersona(fakes, "discord", #"{"id": "\#(id)", "email": "race-\#(tag)@discord.example", "email_verified": true}"#)
      let started = try await authorize(cluster, "discord", service: slug, pkce: PKCE())
      let hop = try await approve(try #require(started.headers["location"]), provider: "discord")
      let statuses = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
        for _ in 0..<8 {
          group.addTask {
            let answer = try await callback(hop)
            return (answer.status, answer.headers["location"])
          }
        }
        return try await group.reduce(into: [(Int, String?)]()) { $0.append($1) }
      }
      let signedIn = statuses.filter { $0.0 == 302 && Browser.query($0.1 ?? "")["code"] != nil }
      #expect(signedIn.count == 1 && statuses.filter { $0.0 == 400 }.count == 7, "\(statuses)")
      #expect(try await traces(email: "race-\(tag)@discord.example", provider: "discord", providerUserID: id) == (1, 1))
    }
  }

  /// docs/social.md: "a transaction-scoped advisory lock per (provider, provider user id) makes
  /// racing first sign-ins end in one user and one link". Six flows of their own (each its state,
  /// PKCE and provider code) for one Discord account never seen before come back at once. The
  /// address is unverified, so each new account would get a placeholder address of its own and
  /// nothing but the lock stops a user per flow. Exactly one user and one link; every flow signs in
  /// as that user. The race above has one state, which `GETDEL` settles before any account is made.
  @Test func firstSignInsOfOneProviderAccountRacingWithDifferentStatesMakeOneUser() async throws {
    try await withProviders { cluster, fakes, _ in
      let slug = try await makeService(cluster)
      let tag = TestEnvironment.uniqueName("rs")
      let id = "states-\(tag)"
      try await setPersona(
        fakes, "discord",
        #"{"id": "\#(id)", "username": "\#(tag)", "email": "\#(tag)@discord.example", "email_verified": false}"#)
      var flows: [(pkce: PKCE, hop: (url: String, form: [String: String]?))] = []
      for index in 0..<6 {
        let pkce = PKCE()
        let started = try await authorize(cluster, "discord", service: slug, pkce: pkce, state: "flow-\(index)")
        #expect(started.status == 302, "\(started.body)")
        flows.append((pkce, try await approve(try #require(started.headers["location"]), provider: "discord")))
      }
      #expect(Set(flows.map(\.hop.url)).count == 6)
      let answers = try await withThrowingTaskGroup(of: (Int, Int, String?).self) { group in
        for (index, flow) in flows.enumerated() {
          group.addTask {
            let answer = try await callback(flow.hop)
            return (index, answer.status, answer.headers["location"])
          }
        }
        return try await group.reduce(into: [(Int, Int, String?)]()) { $0.append($1) }
      }
      var users: Set<String> = []
      for (index, status, location) in answers {
        let query = Browser.query(location ?? "")
        #expect(
          status == 302 && query["state"] == "flow-\(index)" && query["code"] != nil,
          "flow \(index): \(status) \(location ?? "")")
        guard let code = query["code"] else { continue }
        let tokens = try await exchange(cluster, code: code, pkce: flows[index].pkce)
        #expect(tokens.status == 200, "flow \(index): \(tokens.body)")
        let access = tokens.value?.accessToken
        if let user = access.flatMap({ try? tokenClaims($0).sub }) { users.insert(user) }
      }
      let rows = try await withPostgres(TestEnvironment.database(owner: true)) { owner in
        try await owner.query(
          """
          SELECT (SELECT count(*)::int FROM token.users WHERE starts_with(username, \(tag + "_"))),
                 (SELECT array_agg(user_id::text) FROM social.linked_accounts
                  WHERE provider = 'discord' AND provider_user_id = \(id))
          """, logger: TestEnvironment.logger
        ).collect().first?.decode((Int, [String]?).self)
      }
      #expect(rows?.0 == 1 && rows?.1?.count == 1, "\(String(describing: rows))")
      #expect(users.count == 1 && users == Set(rows?.1 ?? []), "signed in as \(users), linked \(String(describing: rows))")
    }
  }

  // MARK: linking

  @Test func linkingFollowsVerifiedEmailsOnlyAndTheLastWayInStays() async throws {
    try await withProviders { cluster, fakes, _ in
      let slug = try await makeService(cluster)
      let tag = TestEnvironment.uniqueName("l")
      let digits = String(tag.filter(\.isNumber).prefix(8))
      func signedInUser(_ provider: String) async throws -> TokenAnswer {
        let pkce = PKCE()
        let answer = try await signIn(cluster, provider, service: slug, pkce: pkce)
        return try await exchange(cluster, code: try #require(answer["code"], "\(provider): \(answer)"), pkce: pkce).decoded()
      }
      // A password account whose (unverified) address provider accounts also claim.
      let account = Account(slug: slug, username: TestEnvironment.uniqueName("bob"))
      let email = "\(account.username)@example.com"
      #expect(try await cluster.api.register(account).status == 201)

      // Unverified at the provider: a separate new account, which does not take the address.
      try await setPersona(fakes, "discord", #"{"id": "111\#(digits)", "email": "\#(email)", "email_verified": false}"#)
      let separate = try await signedInUser("discord").user
      #expect(separate.username != account.username && separate.email.hasSuffix("@users.invalid"))
      // Verified at the provider, but the account never verified its address: no takeover.
      try await setPersona(fakes, "discord", #"{"id": "222\#(digits)", "email": "\#(email)", "email_verified": true}"#)
      let refused = try await signIn(cluster, "discord", service: slug, pkce: PKCE())
      #expect(refused["error"] == "access_denied" && refused["code"] == nil, "\(refused)")
      #expect(try await traces(email: email, provider: "discord", providerUserID: "222\(digits)") == (1, 0))

      // Verified on both sides: an account made by a verified Kakao sign-in is joined by Discord with that address.
      let shared = "shared-\(tag)@example.com"
      try await setPersona(fakes, "kakao", #"{"id": 333\#(digits.prefix(6)), "email": "\#(shared)", "email_verified": true}"#)
      let first = try await signedInUser("kakao").user
      try await setPersona(fakes, "discord", #"{"id": "444\#(digits)", "email": "\#(shared)", "email_verified": true}"#)
      let joined = try await signedInUser("discord").user
      #expect(!first.id.isEmpty && joined.id == first.id)

      // Bob links GitHub from his account: the callback gives the client a link code, which
      // only Bob's own token completes.
      let token = try await cluster.api.signIn(account).accessToken
      let auth = bearer(token)
      try await setPersona(
        fakes, "github", #"{"id": 555\#(digits.prefix(6)), "login": "bob\#(digits.prefix(4))", "email": "other-\#(tag)@example.com"}"#)
      func startLink(_ token: String, password: String?) async throws -> Answer<LinkStartedAnswer> {
        try await Browser.send(
          cluster.url("/api/v1/users/me/social-accounts/github"),
          body: LinkStartBody(redirectURI: Self.redirectURI, state: "link-1", currentPassword: password),
          as: LinkStartedAnswer.self, headers: bearer(token))
      }
      // Issue 27 (caught on the code before: any access token of any service linked the
      // attacker's provider account, and the attacker then signed in as Bob everywhere):
      // a token alone is not enough. Without the current password, with a wrong one, or
      // with a token of a service that is not first-party, nothing starts.
      _ = try await cluster.tokenAdmin(["admin", "set-first-party", "--slug", slug])
      let withoutProof = try await startLink(token, password: nil)
      #expect(withoutProof.status == 403 && withoutProof.problem?.code == "reauthentication_required", "\(withoutProof.body)")
      let wrongProof = try await startLink(token, password: "not bobs password 1")
      #expect(wrongProof.status == 403 && wrongProof.problem?.code == "invalid_current_password", "\(wrongProof.body)")
      let thirdParty = try await makeService(cluster)
      let thirdPartyToken = try await cluster.api.signIn(Account(slug: thirdParty, username: account.username)).accessToken
      let fromThirdParty = try await startLink(thirdPartyToken, password: account.password)
      #expect(fromThirdParty.status == 403 && fromThirdParty.problem?.code == "first_party_required", "\(fromThirdParty.body)")
      func linkCode(_ token: String, password: String = account.password) async throws -> String {
        let authorizeURL = try await startLink(token, password: password).decoded().authorizeURL
        let back = try await callback(try await approve(authorizeURL, provider: "github"))
        let answer = Browser.query(try #require(back.headers["location"], "\(back.body)"))
        #expect(answer["state"] == "link-1" && answer["code"] == nil, "\(answer)")
        return try #require(answer["link_code"], "\(answer)")
      }
      func complete(_ code: String, _ token: String, password: String? = nil) async throws -> Answer<LinkedAccountList> {
        try await Browser.send(
          cluster.url("/api/v1/users/me/social-accounts/github/complete"),
          body: LinkCodeBody(linkCode: code, currentPassword: password), as: LinkedAccountList.self,
          headers: bearer(token))
      }
      // Someone else completing Bob's link flow (link CSRF) links nothing, and spends the code.
      let eve = Account(slug: slug, username: TestEnvironment.uniqueName("eve"))
      _ = try await cluster.api.register(eve)
      let eveToken = try await cluster.api.signIn(eve).accessToken
      let stolen = try await linkCode(token)
      let hijack = try await complete(stolen, eveToken, password: eve.password)
      #expect(hijack.status == 400 && hijack.problem?.code == "invalid_link_code", "\(hijack.body)")
      #expect(try await complete(stolen, token).status == 400)
      // Bob's own completion links it.
      let linked = try await complete(try await linkCode(token), token)
      #expect(linked.status == 200, "\(linked.body)")
      let links = try await cluster.api.get(
        "/api/v1/users/me/social-accounts", as: LinkedAccountList.self,
        headers: auth
      ).value?.accounts
      #expect(Set(links?.map(\.provider) ?? []) == ["github"])
      // The audit row names the provider account that was attached.
      let named = try await withPostgres(TestEnvironment.database(owner: true)) { owner in
        try await owner.query(
          """
          SELECT count(*)::int FROM audit.events e JOIN token.users u ON u.id = e.actor_user_id
          WHERE u.username = \(account.username) AND e.action = 'SOCIAL_ACCOUNT_LINKED'
            AND e.details->>'provider_user_id' = \("555\(digits.prefix(6))")
          """, logger: TestEnvironment.logger
        ).collect().first?.decode(Int.self)
      }
      #expect(named == 1)
      // That GitHub account cannot be linked to anyone else.
      let taken = try await complete(try await linkCode(eveToken, password: eve.password), eveToken)
      #expect(taken.status == 409 && taken.problem?.code == "already_linked", "\(taken.body)")

      // Issue 27: unlinking and completing a link need the same proof as starting one. A new
      // session of Bob's that never proved itself is refused, and so is a third-party service's
      // token sent with the right password; the link stays.
      let unproven = try await cluster.api.signIn(account).accessToken
      let unprovenUnlink = Answer<NoValue>(
        try await Browser.send(cluster.url("/api/v1/users/me/social-accounts/github"), method: .DELETE, headers: bearer(unproven)))
      #expect(unprovenUnlink.status == 403 && unprovenUnlink.problem?.code == "reauthentication_required", "\(unprovenUnlink.body)")
      let thirdPartyUnlink = Answer<NoValue>(
        try await Browser.send(
          cluster.url("/api/v1/users/me/social-accounts/github"), method: .DELETE,
          json: #"{"current_password": "\#(account.password)"}"#, headers: bearer(thirdPartyToken)))
      #expect(thirdPartyUnlink.status == 403 && thirdPartyUnlink.problem?.code == "first_party_required", "\(thirdPartyUnlink.body)")
      let unprovenCompletion = try await complete(try await linkCode(token), unproven)
      #expect(
        unprovenCompletion.status == 403 && unprovenCompletion.problem?.code == "reauthentication_required", "\(unprovenCompletion.body)")
      let kept = try await cluster.api.get("/api/v1/users/me/social-accounts", as: LinkedAccountList.self, headers: auth)
      #expect(kept.value?.accounts.map(\.provider) == ["github"], "\(kept.body)")

      // Unlinking: fine while a password remains.
      let unlinked = try await Browser.send(cluster.url("/api/v1/users/me/social-accounts/github"), method: .DELETE, headers: auth)
      #expect(unlinked.status == 200, "\(unlinked.body)")

      // A user who only ever signed in with Kakao cannot unlink it.
      try await setPersona(
        fakes, "kakao", #"{"id": 666\#(digits.prefix(6)), "email": "only-\#(tag)@kakao.example", "email_verified": true}"#)
      let onlyToken = try await signedInUser("kakao").accessToken
      let last = Answer<NoValue>(
        try await Browser.send(
          cluster.url("/api/v1/users/me/social-accounts/kakao"), method: .DELETE,
          headers: bearer(onlyToken)))
      #expect(last.status == 409 && last.problem?.code == "last_login_method", "\(last.body)")
      let stillThere = try await cluster.api.get(
        "/api/v1/users/me/social-accounts", as: LinkedAccountList.self,
        headers: bearer(onlyToken))
      #expect(stillThere.value?.accounts.count == 1, "\(stillThere)")
    }
  }

  /// Issue 22 (caught on the code before: `popular_providers` was hard-coded to `password` though
  /// sessions record how they were opened). Two Kakao sign-ins and one password sign-in show as
  /// such in the service's statistics.
  @Test func statisticsCountSignInsByTheirMethod() async throws {
    try await withProviders { cluster, fakes, _ in
      let slug = try await makeService(cluster)
      let tag = TestEnvironment.uniqueName("st")
      let digits = String(tag.filter(\.isNumber).prefix(6))
      try await setPersona(fakes, "kakao", #"{"id": 777\#(digits), "email": "st-\#(tag)@kakao.example", "email_verified": true}"#)
      for _ in 0..<2 {
        let pkce = PKCE()
        let answer = try await signIn(cluster, "kakao", service: slug, pkce: pkce)
        #expect(try await exchange(cluster, code: try #require(answer["code"], "\(answer)"), pkce: pkce).status == 200)
      }
      let member = Account(slug: slug, username: TestEnvironment.uniqueName("pw"))
      _ = try await cluster.api.register(member)
      #expect(try await cluster.api.login(member).status == 200)
      let (_, root) = try await cluster.api.admin(role: "SUPER_ADMIN")
      let stats = try await cluster.api.get("/api/v1/services/\(slug)/stats", as: ServiceStats.self, headers: bearer(root))
      let popular = (stats.value?.popularProviders ?? []).map { "\($0.provider):\($0.logins)" }
      #expect(popular == ["kakao:2", "password:1"], "\(stats)")
    }
  }
}
