import AsyncHTTPClient
import Foundation
import PostgresNIO
import Testing

@testable import Shared
@testable import TestSupport

/// Issue 27's low-severity holes at the edge: refresh replays, path spellings and the rate limit,
/// the SSE inbox after logout-all, and redirect URIs. Each test failed on the code before its fix.
@Suite(.serialized, .timeLimit(.minutes(5))) struct GatewaySecurityTests {
  /// Caught: a refresh retried inside the grace window was answered from the grace copy before
  /// any check, so a cookie replayed from `https://evil.example` got 200 and a new cookie, and
  /// a deactivated account still got the pair.
  @Test func aRefreshReplayedInTheGraceWindowPassesEveryCheckAFirstRefreshPasses() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let account = try await cluster.api.makeAccount(origin: RefreshTests.origin)
      let web = try await cluster.api.login(account, clientType: .web)
      let cookie = try #require(web.headers["set-cookie"]?.split(separator: ";").first.map(String.init))
      let first = try await cluster.api.post(
        "/api/v1/auth/refresh", as: TokenAnswer.self,
        headers: [
          "Cookie": cookie,
          "Origin": RefreshTests.origin,
        ])
      #expect(first.status == 200, "\(first.body)")

      // The same (now spent) cookie again within the grace window, from a foreign page.
      let foreign = try await cluster.api.post(
        "/api/v1/auth/refresh", as: TokenAnswer.self,
        headers: ["Cookie": cookie, "Origin": "https://evil.example"])
      #expect(foreign.status == 403 && foreign.problem?.code == "origin_not_allowed", "\(foreign.body)")
      #expect(foreign.headers["set-cookie"] == nil && json(foreign.body)["access_token"] == nil)
      let noOrigin = try await cluster.api.post("/api/v1/auth/refresh", as: TokenAnswer.self, headers: ["Cookie": cookie])
      #expect(noOrigin.status == 403 && noOrigin.headers["set-cookie"] == nil)
      // From the service's own page the retry still gets the same pair (the grace window's purpose).
      let retried = try await cluster.api.post(
        "/api/v1/auth/refresh", as: TokenAnswer.self,
        headers: [
          "Cookie": cookie,
          "Origin": RefreshTests.origin,
        ])
      #expect(retried.status == 200 && retried.headers["set-cookie"] == first.headers["set-cookie"])

      // A mobile session whose account is deactivated between the refresh and its retry.
      let mobile = try #require(try await cluster.api.signIn(account).refreshToken)
      #expect(try await cluster.api.refresh(mobile).status == 200)
      try await withPostgres(TestEnvironment.database(owner: true)) { owner in
        _ = try await owner.query(
          "UPDATE token.users SET is_active = false WHERE username = \(account.username)",
          logger: TestEnvironment.logger
        ).collect()
      }
      let replay = try await cluster.api.refresh(mobile)
      #expect(replay.status == 401 && replay.problem?.code == "invalid_refresh_token", "\(replay.body)")
      #expect(json(replay.body)["access_token"] == nil)

      // Each session rotated once: the refusals created no token.
      try await withPostgres(TestEnvironment.database(owner: true)) { owner in
        let rows = try await owner.query(
          """
          SELECT count(*)::int FROM token.refresh_tokens rt JOIN token.sessions s ON s.id = rt.session_id
          JOIN token.users u ON u.id = s.user_id WHERE u.username = \(account.username)
          """, logger: TestEnvironment.logger
        ).collect()
        #expect(try rows.first?.decode(Int.self) == 4)
      }
    }
  }

  /// Caught: the limiter looked at the raw path (`hasPrefix("/api/")`) while the router skips
  /// empty segments, so `//api/...` reached every API route without being counted.
  @Test func everySpellingOfAnAPIPathCountsAgainstTheAPILimit() async throws {
    try await withCluster(environment: ["GATEHOUSE_RATE_LIMIT_API": "4/60"]) { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let spellings = [
        "//api/v1/auth/verify", "/api//v1/auth/verify", "/api/v1/auth/verify/", "//oauth//userinfo",
        "///api/v1/auth/verify", "/api/v1//auth//verify//",
      ]
      var statuses: [Int] = []
      for path in spellings {
        let answer = try await cluster.get(path)
        // Each spelling reached a route (401 or an OAuth error), not a 404: the router normalises them.
        #expect(answer.status != 404, "\(path) did not reach a route")
        statuses.append(answer.status)
      }
      #expect(statuses.prefix(4).allSatisfy { $0 != 429 }, "\(statuses)")
      #expect(statuses.suffix(2) == [429, 429], "\(statuses)")
      let limited = try await cluster.api.get("//api/v1/auth/verify")
      #expect(limited.status == 429 && limited.problem?.code == "rate_limited" && limited.headers["retry-after"] != nil)
    }
  }

  /// Caught: the inbox stream checked its token once, when it opened, and kept streaming
  /// verification requests after logout-all. Now it ends with a `revoked` event.
  @Test func anOpenInboxStreamEndsWhenItsTokenIsRevoked() async throws {
    try await withIdPCluster(environment: IdPTests.environment) { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let person = try await cluster.api.makePerson()
      var streamRequest = HTTPClientRequest(url: cluster.url("/api/v1/idp/inbox/stream"))
      streamRequest.headers.add(name: "Authorization", value: "Bearer \(person.token)")
      let stream = try await HTTPClient.shared.execute(streamRequest, timeout: .seconds(14))
      #expect(stream.status.code == 200)

      let out = try await cluster.post("/api/v1/auth/logout-all", body: "", contentType: nil, headers: person.auth)
      #expect(out.status == 200, "\(out.body)")
      // The stream must end by itself; one that stays open is given up after 10 s (a revocation
      // event reaches the watch at once), so a broken rule fails the test instead of hanging it.
      let (outcomes, sink) = AsyncStream<String?>.makeStream()
      let reading = Task {
        var text = ""
        do {
          for try await chunk in stream.body { text += String(buffer: chunk) }
          sink.yield(text)
        } catch {
          sink.yield(nil)
        }
      }
      let deadline = Task {
        try? await Task.sleep(for: .seconds(10))
        sink.yield(nil)
      }
      // Whichever comes first; the reader is never awaited (the cluster's stop ends it).
      var first = outcomes.makeAsyncIterator()
      let ending = await first.next() ?? nil
      sink.finish()
      reading.cancel()
      deadline.cancel()
      let seen = ending ?? ""
      #expect(ending != nil, "the stream stayed open after logout-all")
      #expect(seen.contains("event: revoked"), "\(seen)")
      // The token version the stream was closed for is on record (in this cluster's own database).
      try await withPostgres(TestEnvironment.database(owner: true, name: cluster.database)) { owner in
        let rows = try await owner.query(
          """
          SELECT r.token_version, u.token_version FROM token.revocations r JOIN token.users u ON r.subject = u.id::text
          WHERE u.username = \(person.account.username)
          """, logger: TestEnvironment.logger
        ).collect()
        let versions = try rows.map { try $0.decode((Int, Int).self) }
        #expect(versions.contains { $0.0 == $0.1 && $0.1 >= 1 }, "\(versions)")
      }
    }
  }

  /// Caught: any absolute URI was accepted as a redirect URI, `javascript:` included, and it
  /// was then sent to browsers in `Location`.
  @Test func redirectURIsAreHTTPSLoopbackOrPrivateUseSchemesOnly() {
    let accepted = [
      "https://app.example/cb", "https://app.example:8443/cb?x=1", "com.example.app:/oauth2redirect",
      "com.example.app://callback", "http://127.0.0.1:3000/cb", "http://[::1]:8080/cb", "http://localhost:3000/auth/callback",
    ]
    for uri in accepted { #expect(RedirectURIRule.refusal(uri, loopbackHTTP: true) == nil, "\(uri)") }
    let refused = [
      "javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,<script>", "vbscript:msgbox", "file:///etc/passwd",
      "https://app.example/cb#frag", "https://user@app.example/cb", "https://user:pw@app.example/cb",
      "http://127.attacker.example/cb", "http://127.1/cb", "http://app.example/cb", "myapp:/cb", "https:///cb",
      "https://app.example/c b", "/relative/cb", "blob:https://app.example/x",
    ]
    for uri in refused { #expect(RedirectURIRule.refusal(uri, loopbackHTTP: true) != nil, "\(uri)") }
    // In production, http is refused even to the loopback address.
    #expect(RedirectURIRule.refusal("http://127.0.0.1:3000/cb", loopbackHTTP: false) != nil)
  }

  /// Caught: the admin API stored `javascript:` redirect URIs; a URI stored before the rule was
  /// handed to social-service, which redirects browsers to it.
  @Test func theAdminAPIRefusesUnsafeRedirectURIsAndStoredOnesAreNeverOffered() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let (_, token) = try await cluster.api.admin(role: "SUPER_ADMIN")
      let auth = bearer(token)
      let slug = TestEnvironment.uniqueName("svc").replacingOccurrences(of: "_", with: "-")
      let unsafe = ServiceSettingsBody(slug: slug, name: "Shop", type: "web", redirectURIs: ["javascript:alert(document.cookie)"])
      let created = try await cluster.api.post("/api/v1/services", unsafe, headers: auth)
      #expect(created.status == 422 && created.problem?.field == "redirect_uris", "\(created.body)")
      let good = try await cluster.api.post(
        "/api/v1/services",
        ServiceSettingsBody(
          slug: slug, name: "Shop", type: "web",
          redirectURIs: [
            "https://shop.example/cb",
            "com.example.shop:/cb",
          ]),
        headers: auth)
      #expect(good.status == 201, "\(good.body)")
      for bad in ["data:text/html;base64,PHNjcmlwdD4=", "https://shop.example/cb#x", "https://shop.example@evil.example/cb"] {
        let patched = try await cluster.api.post(
          "/api/v1/services/\(slug)", ServiceSettingsBody(redirectURIs: [bad]),
          method: .PATCH, headers: auth)
        #expect(patched.status == 422 && patched.problem?.code == "invalid_field", "\(bad): \(patched.body)")
      }
      try await withPostgres(TestEnvironment.database(owner: true)) { owner in
        let rows = try await owner.query("SELECT redirect_uris FROM token.services WHERE slug = \(slug)", logger: TestEnvironment.logger)
          .collect()
        #expect(try rows.first?.decode([String].self) == ["https://shop.example/cb", "com.example.shop:/cb"])
        // As if stored before the rule existed.
        _ = try await owner.query(
          """
          UPDATE token.services SET redirect_uris = ARRAY['javascript:alert(1)', 'https://shop.example/cb'] WHERE slug = \(slug)
          """, logger: TestEnvironment.logger
        ).collect()
      }
      let tokenService = try #require(cluster.processes.first { $0.name == "token-service" })
      let offered = try await cluster.withCaller(waitingFor: tokenService) { rpc in
        try await rpc.call(TokenRPC.socialServiceSettings, SocialServiceQuery(service: slug))
      }
      #expect(offered.redirectURIs == ["https://shop.example/cb"])
    }
  }
}
