import Foundation
import PostgresNIO
import Testing

@testable import Shared
@testable import TestSupport

/// `/oauth/token`, `/oauth/revoke`, `/oauth/introspect` through the real gateway and token-service.
@Suite(.serialized, .timeLimit(.minutes(5))) struct OAuthTests {
  @Test func thePasswordAndRefreshGrantsFollowTheAccountRules() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let client = try await cluster.api.makeOAuthClient()
      let other = try await cluster.api.makeOAuthClient()

      let granted = try await cluster.api.passwordGrant(client)
      #expect(granted.status == 200, "\(granted.body)")
      #expect(granted.headers["cache-control"] == "no-store" && granted.headers["pragma"] == "no-cache")
      let tokens = try granted.decoded()
      #expect(tokens.tokenType == "Bearer" && tokens.expiresIn == 900)
      #expect(tokens.scope == "openid profile email")
      let access = tokens.accessToken
      let refresh = try #require(tokens.refreshToken)
      #expect(try await cluster.api.verify(access).status == 200)

      let wrong = try await cluster.api.passwordGrant(client, password: "not the password 1")
      #expect(wrong.status == 400 && wrong.oauthError?.error == "invalid_grant", "\(wrong.body)")
      #expect(wrong.headers["cache-control"] == "no-store")

      // Another service's client cannot spend this service's refresh token; its owner can, once.
      let foreign = try await cluster.api.oauthToken([
        ("grant_type", "refresh_token"), ("client_id", other.clientID),
        (
          "refresh_token",
          refresh
        ),
      ])
      #expect(foreign.status == 400 && foreign.oauthError?.error == "invalid_grant", "\(foreign.body)")
      let rotated = try await cluster.api.oauthToken(
        [("grant_type", "refresh_token"), ("refresh_token", refresh)],
        headers: client.basic)
      #expect(rotated.status == 200, "\(rotated.body)")
      #expect(try rotated.decoded().refreshToken != refresh)

      let scoped = try await cluster.api.oauthToken([
        ("grant_type", "password"), ("client_id", client.clientID), ("scope", "admin"),
        ("username", client.account.username), ("password", client.account.password),
      ])
      #expect(scoped.oauthError?.error == "invalid_scope")
    }
  }

  @Test func malformedRequestsGetOAuthErrorsNeverProblems() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let client = try await cluster.api.makeOAuthClient()
      let cases: [(String, Answer<OAuthErrorAnswer>, Int, String)] = [
        ("json body", Answer(try await cluster.post("/oauth/token", body: #"{"grant_type":"password"}"#)), 400, "invalid_request"),
        (
          "no grant type", try await cluster.api.form("/oauth/token", [("client_id", client.clientID)], as: OAuthErrorAnswer.self),
          400,
          "invalid_request"
        ),
        (
          "repeated parameter",
          try await cluster.api.form(
            "/oauth/token", [("grant_type", "password"), ("grant_type", "password")],
            as: OAuthErrorAnswer.self), 400, "invalid_request"
        ),
        (
          "unknown grant",
          try await cluster.api.form(
            "/oauth/token", [("grant_type", "implicit"), ("client_id", client.clientID)],
            as: OAuthErrorAnswer.self), 400, "unsupported_grant_type"
        ),
        (
          "unknown client",
          try await cluster.api.form(
            "/oauth/token",
            [
              ("grant_type", "password"), ("client_id", "gh_nobody"),
              ("username", "a"),
              (
                "password",
                "b"
              ),
            ], as: OAuthErrorAnswer.self), 401, "invalid_client"
        ),
        (
          "bad basic",
          try await cluster.api.form(
            "/oauth/token", [("grant_type", "client_credentials")], as: OAuthErrorAnswer.self,
            headers: ["Authorization": "Basic !!!"]), 401, "invalid_client"
        ),
        (
          "no token", try await cluster.api.form("/oauth/introspect", [], as: OAuthErrorAnswer.self, headers: client.basic), 400,
          "invalid_request"
        ),
      ]
      for (name, answer, status, error) in cases {
        #expect(answer.status == status && answer.value?.error == error, "\(name): \(answer.status) \(answer.body)")
        #expect(answer.headers["content-type"] == "application/json" && answer.headers["cache-control"] == "no-store", "\(name)")
      }
      #expect(cases[4].1.headers["www-authenticate"]?.hasPrefix("Basic") == true)
    }
  }

  @Test func aServiceGetsItsOwnTokenWithItsSecretOnly() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let client = try await cluster.api.makeOAuthClient()
      let publicOnly = try await cluster.api.oauthToken([("grant_type", "client_credentials"), ("client_id", client.clientID)])
      #expect(publicOnly.status == 401 && publicOnly.oauthError?.error == "invalid_client")
      let wrongSecret = try await cluster.api.oauthToken([
        ("grant_type", "client_credentials"), ("client_id", client.clientID),
        ("client_secret", "guess"),
      ])
      #expect(wrongSecret.status == 401 && wrongSecret.oauthError?.error == "invalid_client")

      let granted = try await cluster.api.oauthToken([("grant_type", "client_credentials")], headers: client.basic)
      #expect(granted.status == 200, "\(granted.body)")
      let tokens = try granted.decoded()
      #expect(tokens.refreshToken == nil && tokens.scope == "service")
      let access = tokens.accessToken
      let verified = try await cluster.api.get(
        "/api/v1/auth/verify?audience=\(client.account.slug)", as: VerifiedTokenAnswer.self,
        headers: bearer(access))
      #expect(verified.status == 200, "\(verified.body)")
      let claims = try verified.decoded().claims
      #expect(claims.sub == client.clientID && claims.sid == nil)
      // It acts for no user.
      let me = try await cluster.api.get("/api/v1/users/me", headers: bearer(access))
      #expect(me.status == 403 && me.problem?.code == "user_token_required", "\(me.body)")
    }
  }

  @Test func introspectionAndRevocationSeeOnlyTheClientsOwnTokens() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let client = try await cluster.api.makeOAuthClient()
      let other = try await cluster.api.makeOAuthClient()
      let tokens = try await cluster.api.passwordGrant(client).decoded()
      let access = tokens.accessToken
      let refresh = try #require(tokens.refreshToken)

      func introspect(_ token: String, as who: OAuthClient, hint: String? = nil) async throws -> Answer<Introspection> {
        let answer = try await cluster.api.form(
          "/oauth/introspect",
          [("token", token)]
            + (hint.map {
              [
                (
                  "token_type_hint",
                  $0
                )
              ]
            } ?? []),
          as: Introspection.self, headers: who.basic)
        #expect(answer.status == 200, "\(answer.body)")
        return answer
      }
      let active = try await introspect(access, as: client).decoded()
      #expect(active.active && active.aud == client.account.slug && active.tokenType == "Bearer")
      let activeRefresh = try await introspect(refresh, as: client).decoded()
      #expect(activeRefresh.active && activeRefresh.tokenType == "refresh_token")
      #expect(activeRefresh.username == client.account.username)
      // Another service's resource server learns nothing.
      #expect(json(try await introspect(access, as: other).body).keys.sorted() == ["active"])
      #expect(try await introspect(refresh, as: other).value?.active == false)
      #expect(try await introspect("not-a-token", as: client).value?.active == false)
      // Introspection needs the secret.
      let anonymous = try await cluster.api.form(
        "/oauth/introspect", [("token", access), ("client_id", client.clientID)],
        as: Introspection.self)
      #expect(anonymous.status == 401 && anonymous.oauthError?.error == "invalid_client")

      // Revoking another client's token is refused; unknown tokens are fine (RFC 7009).
      let foreign = try await cluster.api.form("/oauth/revoke", [("token", access), ("client_id", other.clientID)], as: NoValue.self)
      #expect(foreign.status == 400 && foreign.oauthError?.error == "unauthorized_client", "\(foreign.body)")
      #expect(
        try await cluster.api.form(
          "/oauth/revoke", [("token", "nothing-known"), ("client_id", client.clientID)],
          as: NoValue.self
        ).status == 200)

      let revokedAccess = try await cluster.api.form(
        "/oauth/revoke", [("token", access), ("client_id", client.clientID)],
        as: NoValue.self)
      #expect(revokedAccess.status == 200 && revokedAccess.headers["cache-control"] == "no-store")
      #expect(try await introspect(access, as: client).value?.active == false)
      #expect(try await eventually(timeout: propagationLimit) { try await cluster.api.verify(access).status == 401 })

      #expect(
        try await cluster.api.form(
          "/oauth/revoke", [("token", refresh), ("token_type_hint", "refresh_token")],
          as: NoValue.self,
          headers: client.basic
        ).status == 200)
      #expect(try await introspect(refresh, as: client).value?.active == false)
      let spent = try await cluster.api.oauthToken([
        ("grant_type", "refresh_token"), ("client_id", client.clientID),
        (
          "refresh_token",
          refresh
        ),
      ])
      #expect(spent.oauthError?.error == "invalid_grant")
      try await withPostgres(TestEnvironment.database(owner: true)) { owner in
        let rows = try await owner.query(
          """
          SELECT count(*)::int FROM token.sessions s JOIN token.users u ON u.id = s.user_id
          WHERE u.username = \(client.account.username) AND s.revoked_reason = 'oauth_revoke'
          """, logger: TestEnvironment.logger
        ).collect()
        #expect(try rows.first?.decode(Int.self) == 1)
      }
    }
  }

  @Test func theDiscoveryDocumentNamesTheOAuthEndpoints() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let document = try await cluster.api.get("/.well-known/openid-configuration", as: DiscoveryDocument.self).decoded()
      let issuer = document.issuer
      #expect(document.tokenEndpoint == issuer + "/oauth/token")
      #expect(document.revocationEndpoint == issuer + "/oauth/revoke")
      #expect(document.introspectionEndpoint == issuer + "/oauth/introspect")
      #expect(document.grantTypesSupported.contains("client_credentials"))
    }
  }
}
