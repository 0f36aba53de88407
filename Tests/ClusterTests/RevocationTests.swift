import Foundation
import PostgresNIO
import Testing

@testable import Shared
@testable import TestSupport

/// Revocations kept in PostgreSQL (issue 27): they survive Redis, reach gateways that start
/// later, cover a service's own tokens when its secret is rotated, and are pruned when they can
/// no longer matter.
@Suite(.serialized, .timeLimit(.minutes(5))) struct RevocationTests {

  func count(_ sql: PostgresQuery) async throws -> Int {
    try await withPostgres(TestEnvironment.database(owner: true)) { owner in
      try await owner.query(sql, logger: TestEnvironment.logger).collect().first?.decode(Int.self) ?? -1
    }
  }

  /// Caught: revocations lived only in Redis; after a FLUSHALL (the local Redis keeps nothing
  /// on disk) a gateway started afterwards accepted a logged-out token and the tokens of a
  /// logout-all again.
  @Test func aRevokedTokenStaysRefusedAfterRedisIsFlushedByAGatewayStartedAfterwards() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let single = try await cluster.api.makeAccount()
      let loggedOut = try await cluster.api.signIn(single).accessToken
      #expect(try await cluster.api.post("/api/v1/auth/logout", headers: bearer(loggedOut)).status == 200)
      let everywhere = try await cluster.api.makeAccount()
      let phone = try await cluster.api.signIn(everywhere).accessToken
      #expect(try await cluster.api.post("/api/v1/auth/logout-all", headers: bearer(phone)).status == 200)

      // The database holds both revocations.
      let jti = try tokenClaims(loggedOut).jti
      #expect(try await count("SELECT count(*)::int FROM token.revocations WHERE jti = \(jti) AND expires_at > now()") == 1)
      #expect(
        try await count(
          """
          SELECT count(*)::int FROM token.revocations r JOIN token.users u ON r.subject = u.id::text
          WHERE u.username = \(everywhere.username) AND r.token_version = 1
          """) == 1)

      try await withRedis(cluster.redis.endpoint) { redis in _ = try await redis.send("FLUSHALL") }
      let gateway = try #require(cluster.processes.first { $0.name == "gateway" })
      await gateway.stop()
      cluster.processes.removeAll { $0 === gateway }
      try await cluster.startGateway()
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")

      let first = try await cluster.api.verify(loggedOut)
      #expect(first.status == 401 && first.problem?.code == "invalid_token", "\(first.body)")
      #expect(try await cluster.api.verify(phone).status == 401)
      // Not a gateway that refuses everything: a new sign-in verifies.
      let fresh = try await cluster.api.signIn(everywhere).accessToken
      #expect(try await cluster.api.verify(fresh).status == 200)
    }
  }

  /// Caught: a service's `client_credentials` token kept verifying (and introspected active)
  /// after its client secret was rotated; rotation now raises the secret's version, which the
  /// tokens carry as `tv`.
  @Test func rotatingAClientSecretRevokesTheTokensGotWithTheOldOne() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let client = try await cluster.api.makeOAuthClient()
      let old = try await cluster.api.oauthToken([("grant_type", "client_credentials")], headers: client.basic).decoded().accessToken
      #expect(try await cluster.api.verify(old).status == 200)

      let (_, adminToken) = try await cluster.api.admin(role: "SUPER_ADMIN")
      let rotated = try await cluster.api.post(
        "/api/v1/services/\(client.account.slug)/credentials", as: ServiceCredentials.self,
        headers: bearer(adminToken))
      #expect(rotated.status == 200, "\(rotated.body)")
      let newSecret = try rotated.decoded().clientSecret
      let renewed = OAuthClient(account: client.account, clientID: client.clientID, clientSecret: newSecret)

      let refused = try await eventually(timeout: propagationLimit) { try await cluster.api.verify(old).status == 401 }
      #expect(refused, "the token got with the old secret still verifies")
      let introspected = try await cluster.api.form(
        "/oauth/introspect", [("token", old)], as: Introspection.self,
        headers: renewed.basic)
      #expect(introspected.value?.active == false, "\(introspected.body)")
      let oldSecret = try await cluster.api.oauthToken([("grant_type", "client_credentials")], headers: client.basic)
      #expect(oldSecret.status == 401)

      let fresh = try await cluster.api.oauthToken(
        [("grant_type", "client_credentials")],
        headers: renewed.basic
      ).decoded().accessToken
      #expect(try await cluster.api.verify(fresh).status == 200)
      let active = try await cluster.api.form("/oauth/introspect", [("token", fresh)], as: Introspection.self, headers: renewed.basic)
      #expect(active.value?.active == true, "\(active.body)")
      #expect(
        try await count(
          """
          SELECT count(*)::int FROM token.revocations r JOIN token.services s ON s.client_id = r.subject
          WHERE s.slug = \(client.account.slug) AND r.token_version = 1 AND s.secret_version = 1
          """) == 1)
    }
  }

  /// An access token revoked through `/oauth/revoke` is recorded with its audit row, and
  /// refused by the gateway and by introspection.
  @Test func anAccessTokenRevokedByItsClientIsRecordedAndRefused() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let client = try await cluster.api.makeOAuthClient()
      let access = try await cluster.api.passwordGrant(client).decoded().accessToken
      let revoked = try await cluster.api.form(
        "/oauth/revoke", [("token", access), ("token_type_hint", "access_token")],
        as: NoValue.self,
        headers: client.basic)
      #expect(revoked.status == 200, "\(revoked.body)")
      #expect(try await eventually(timeout: propagationLimit) { try await cluster.api.verify(access).status == 401 })
      let introspected = try await cluster.api.form(
        "/oauth/introspect", [("token", access)], as: Introspection.self,
        headers: client.basic)
      #expect(introspected.value?.active == false, "\(introspected.body)")
      let jti = try tokenClaims(access).jti
      #expect(
        try await count(
          """
          SELECT count(*)::int FROM token.revocations r JOIN audit.events e ON e.details->>'jti' = r.jti
          WHERE r.jti = \(jti) AND e.action = 'TOKEN_REVOKED'
          """) == 1)
    }
  }

  /// Rows past their expiry are deleted by the token-service workers; live ones stay.
  @Test func expiredRevocationsArePruned() async throws {
    try await withCluster(startAll: false) { cluster in
      let expired = "test-expired-\(UUID().uuidString)"
      let live = "test-live-\(UUID().uuidString)"
      // Once to migrate the table in, then again to prune at start.
      let first = try cluster.start("token-service")
      try await cluster.withCaller(waitingFor: first) { _ in }
      await first.stop()
      try await withPostgres(TestEnvironment.database(owner: true)) { owner in
        _ = try await owner.query(
          """
          INSERT INTO token.revocations (jti, expires_at) VALUES (\(expired), now() - interval '1 minute'), (\(live), now() + interval '1 hour')
          """, logger: TestEnvironment.logger
        ).collect()
      }
      // The cleanup runs at start when it has an interval (the test clusters have none by default).
      try cluster.start("token-service", extra: ["GATEHOUSE_CLEANUP_INTERVAL": "10m"])
      let pruned = try await eventually(timeout: .seconds(20)) {
        try await count("SELECT count(*)::int FROM token.revocations WHERE jti = \(expired)") == 0
      }
      #expect(pruned, "\(cluster.logs)")
      #expect(try await count("SELECT count(*)::int FROM token.revocations WHERE jti = \(live)") == 1)
      try await withPostgres(TestEnvironment.database(owner: true)) { owner in
        _ = try await owner.query("DELETE FROM token.revocations WHERE jti = \(live)", logger: TestEnvironment.logger).collect()
      }
    }
  }
}
