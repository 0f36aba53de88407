import Crypto
import Foundation
import NIOCore
import PostgresNIO
import Testing

@testable import Shared
@testable import TestSupport

/// Sign-in and local token verification through the real gateway and token-service.
// Each test at most 5 minutes (it takes seconds): one hung await fails its test instead of stopping CI.
@Suite(.serialized, .timeLimit(.minutes(5))) struct LoginTests {

  @Test func mobileAndWebClientsGetTheirTokensWhereTheyBelong() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let account = try await cluster.api.makeAccount()

      let mobile = try await cluster.api.login(account)
      #expect(mobile.status == 200, "\(mobile.body)")
      let grant = try mobile.decoded()
      #expect(grant.tokenType == "Bearer")
      #expect(grant.expiresIn == 900)
      #expect(grant.refreshToken?.count == 43)  // 256 bits, base64url
      #expect(grant.service.role == "user")
      #expect(mobile.headers["cache-control"] == "no-store")
      #expect(mobile.headers["set-cookie"] == nil)

      let web = try await cluster.api.login(account, clientType: .web)
      #expect(web.status == 200)
      #expect(try web.decoded().refreshToken == nil)
      let cookie = try #require(web.headers["set-cookie"])
      #expect(cookie.hasPrefix("__Host-gh_refresh_\(account.slug)="))
      for attribute in ["Max-Age=604800", "Path=/", "Secure", "HttpOnly", "SameSite=Lax"] {
        #expect(cookie.contains(attribute), "\(cookie) lacks \(attribute)")
      }

      // The access token verifies at the gateway, with the claims of RFC 9068.
      let token = grant.accessToken
      let verified = try await cluster.api.verify(token)
      #expect(verified.status == 200, "\(verified.body)")
      let claims = verified.value?.claims
      #expect(claims?.aud == account.slug)
      #expect(claims?.sub == grant.user.id)
      #expect(claims?.tv == 0)
      #expect(claims?.roles == ["user"])
      let header = try tokenHeader(token)
      #expect(header.typ == "at+jwt" && header.alg == "ES256")
      let published = try await cluster.api.get("/.well-known/jwks.json", as: JWKSet.self).value?.keys
      #expect(published?.first?.kid == header.kid)

      // A standard JOSE library (PyJWT) verifies it against the published JWKS.
      let checked = try PythonCheck.run(
        "verify_token.py",
        [
          cluster.url("/.well-known/jwks.json"), "http://127.0.0.1:\(cluster.httpPort)", account.slug, token,
        ])
      #expect(checked.status == 0, "PyJWT refused the token: \(checked.output)")
      #expect(decodeJSON(PyJWTChecked.self, from: checked.output)?.header.typ == "at+jwt")
      let otherAudience = try PythonCheck.run(
        "verify_token.py",
        [
          cluster.url("/.well-known/jwks.json"), "http://127.0.0.1:\(cluster.httpPort)", "another-service", token,
        ])
      #expect(otherAudience.status == 1 && otherAudience.output.contains("InvalidAudience"))
    }
  }

  @Test func forgedTamperedAndUnsignedTokensAreRefused() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let account = try await cluster.api.makeAccount()
      let token = try await cluster.api.signIn(account).accessToken
      let parts = token.split(separator: ".").map(String.init)
      var payload = json(String(decoding: Base64URL.decode(parts[1]) ?? [], as: UTF8.self))
      payload["roles"] = ["owner"]
      let changed = Base64URL.encode(try JSONSerialization.data(withJSONObject: payload))
      let kid = try tokenHeader(token).kid ?? ""
      let noneHeader = Base64URL.encode(Array(#"{"alg":"none","typ":"at+jwt","kid":"\#(kid)"}"#.utf8))
      let foreignKey = P256.Signing.PrivateKey()
      let signingInput = parts[0] + "." + parts[1]
      let foreignSignature = Base64URL.encode(try foreignKey.signature(for: Array(signingInput.utf8)).rawRepresentation)
      let hsHeader = Base64URL.encode(Array(#"{"alg":"HS256","typ":"at+jwt","kid":"\#(kid)"}"#.utf8))
      let hsSignature = Base64URL.encode(
        HMAC<SHA256>.authenticationCode(
          for: Array((hsHeader + "." + parts[1]).utf8),
          using: SymmetricKey(data: Array(try await cluster.get("/.well-known/jwks.json").body.utf8))))

      for (name, forged) in [
        ("changed payload", parts[0] + "." + changed + "." + parts[2]),
        ("alg none", noneHeader + "." + parts[1] + "."),
        ("another key", signingInput + "." + foreignSignature),
        ("HS256 with the public keys", hsHeader + "." + parts[1] + "." + hsSignature),
        ("garbage", "not.a.token"),
      ] {
        let response = try await cluster.api.verify(forged)
        #expect(response.status == 401, "\(name) was accepted: \(response.body)")
        #expect(response.headers["www-authenticate"]?.hasPrefix(#"Bearer error="invalid_token""#) == true, "\(name)")
        #expect(response.problem?.code == "invalid_token")
      }
      let missing = try await cluster.api.get("/api/v1/auth/verify")
      #expect(missing.status == 401)
    }
  }

  /// docs/accounts.md: `/verify?audience=<slug>` refuses a token for any other service. Before
  /// issue 28 only PyJWT was shown refusing a wrong audience; the gateway's own check was never
  /// exercised, and removing it failed nothing.
  @Test func theVerifyRouteRefusesATokenForAnotherAudience() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let account = try await cluster.api.makeAccount()
      let other = try await cluster.api.makeAccount()
      let token = try await cluster.api.signIn(account).accessToken
      let bearer = ["Authorization": "Bearer \(token)"]
      let own = try await cluster.api.get("/api/v1/auth/verify?audience=\(account.slug)", headers: bearer)
      #expect(own.status == 200, "\(own.body)")
      for audience in [other.slug, account.slug.uppercased(), ""] {
        let refused = try await cluster.api.get("/api/v1/auth/verify?audience=\(audience)", headers: bearer)
        #expect(refused.status == 401 && refused.problem?.code == "invalid_token", "audience '\(audience)': \(refused.body)")
        #expect(refused.headers["www-authenticate"]?.hasPrefix(#"Bearer error="invalid_token""#) == true)
      }
    }
  }

  /// The token `original` with its claims changed by `change`, signed with the real signing key
  /// that signed it: read from the database and opened with the master key ring, as
  /// token-service does (tests run with the local demo master key).
  func resigned(_ original: String, _ change: (inout [String: Any]) -> Void) async throws -> String {
    let parts = original.split(separator: ".").map(String.init)
    let kid = try #require(try tokenHeader(original).kid)
    let key = try await withPostgres(TestEnvironment.database(owner: true)) { owner in
      let rows = try await owner.query(
        "SELECT private_key, master_key_version FROM token.signing_keys WHERE kid = \(kid)",
        logger: TestEnvironment.logger
      ).collect()
      let (sealed, version) = try #require(rows.first).decode((ByteBuffer, Int).self)
      let ring = try MasterKeyRing(current: (version, MasterKeyRing.localDemoKey))
      let raw = try ring.open(
        EncryptedValue(keyVersion: version, sealed: Array(sealed.readableBytesView)), purpose: "token.signing_key", context: kid)
      return try P256.Signing.PrivateKey(rawRepresentation: raw)
    }
    var claims = json(String(decoding: Base64URL.decode(parts[1]) ?? [], as: UTF8.self))
    change(&claims)
    let input = parts[0] + "." + Base64URL.encode(try JSONSerialization.data(withJSONObject: claims))
    return input + "." + Base64URL.encode(try key.signature(for: Array(input.utf8)).rawRepresentation)
  }

  /// docs/accounts.md: `exp`/`nbf` with 30 s leeway, and `iss`, checked on tokens whose signature
  /// is good. Tokens signed with the real key: a control with the claims unchanged verifies, a
  /// claim inside the leeway verifies, one past it or a foreign issuer is refused.
  @Test func expiredNotYetValidAndForeignTokensWithAGoodSignatureAreRefused() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let account = try await cluster.api.makeAccount()
      let token = try await cluster.api.signIn(account).accessToken
      let now = Int(Date().timeIntervalSince1970)
      let cases: [(name: String, change: (inout [String: Any]) -> Void, status: Int)] = [
        ("unchanged, signed again", { _ in }, 200),
        ("expired 10 s ago, inside the leeway", { $0["exp"] = now - 10 }, 200),
        (
          "expired 90 s ago",
          {
            $0["exp"] = now - 90
            $0["iat"] = now - 1000
            $0["nbf"] = now - 1000
          }, 401
        ),
        ("valid from 10 s ahead, inside the leeway", { $0["nbf"] = now + 10 }, 200),
        ("valid from 90 s ahead", { $0["nbf"] = now + 90 }, 401),
        ("another issuer", { $0["iss"] = "https://gatehouse.evil.example" }, 401),
      ]
      for (name, change, status) in cases {
        let answer = try await cluster.api.verify(try await resigned(token, change))
        #expect(answer.status == status, "\(name): \(answer.body)")
        if status == 401 {
          #expect(answer.problem?.code == "invalid_token", "\(name): \(answer.body)")
        }
      }
    }
  }

  @Test func wrongPasswordsLookAlikeAndTheFifthLocksTheAccount() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let account = try await cluster.api.makeAccount()
      let nobody = Account(slug: account.slug, username: "nobody-\(account.username)")
      let unknown = try await cluster.api.login(nobody)
      #expect(unknown.status == 401 && unknown.problem?.code == "invalid_credentials")
      var statuses: [Int] = []
      for _ in 0..<5 { statuses.append(try await cluster.api.login(account, password: "wrong horse 1").status) }
      #expect(statuses == [401, 401, 401, 401, 423])
      let locked = try await cluster.api.login(account)
      #expect(locked.status == 423)
      #expect(locked.problem?.code == "account_locked")
      try await withPostgres(TestEnvironment.database(owner: true)) { owner in
        let rows = try await owner.query(
          """
          SELECT count(*)::int FROM audit.events e JOIN token.users u ON u.id = e.actor_user_id
          WHERE u.username = \(account.username) AND e.action = 'USER_LOGIN_FAILED'
          """, logger: TestEnvironment.logger
        ).collect()
        #expect(try rows.first?.decode(Int.self) == 5)
      }
    }
  }

  @Test func theSignedInUserReadsTheirOwnAccount() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let account = try await cluster.api.makeAccount()
      let token = try await cluster.api.signIn(account).accessToken
      let me = try await cluster.api.get("/api/v1/users/me", as: Profile.self, headers: bearer(token))
      #expect(me.status == 200, "\(me.body)")
      // Decoding checks `created_at` is an RFC 3339 date.
      let profile = try me.decoded()
      #expect(profile.username == account.username)
      #expect(profile.emailVerified == false)
      #expect(profile.service.slug == account.slug)
      #expect(json(me.body)["password_hash"] == nil && !me.body.contains("$2"))
      #expect(try await cluster.api.get("/api/v1/users/me").status == 401)
    }
  }

  /// Rotation events are at most once. A gateway that missed two of them meets tokens signed
  /// by a key it has never seen; it must fetch the keys again, not call the tokens forged.
  @Test func aGatewayThatMissedRotationsStillAcceptsTokensOfTheNewKey() async throws {
    try await withFreshDatabase { database in
      try await withCluster(database: database) { cluster in
        #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
        let account = try await cluster.api.makeAccount()
        let before = try await cluster.api.signIn(account).accessToken
        #expect(try await cluster.api.verify(before).status == 200)
        func kid(_ token: String) throws -> String? { try tokenHeader(token).kid }
        // Two rotations whose events reach no one (the command's Redis is a closed port).
        for _ in 0..<2 {
          let rotation = try cluster.start("token-service", arguments: ["keys", "rotate"], extra: ["GATEHOUSE_REDIS_PORT": "1"])
          #expect(await rotation.waitForExit(timeout: .seconds(30)) == 0, "\(rotation.log)")
        }
        // token-service signs with the new key once its 5 s key cache lapses.
        var fresh = ""
        #expect(
          try await eventually(timeout: .seconds(15)) {
            fresh = try await cluster.api.login(account).value?.accessToken ?? ""
            return try !fresh.isEmpty && kid(fresh) != kid(before)
          })
        let verified = try await cluster.api.verify(fresh)
        #expect(verified.status == 200, "\(verified.body)")
      }
    }
  }

  @Test func keysRotatedWhileClientsHoldTokensFailNoRequest() async throws {
    // A database of its own: rotating the shared one changed the signing key under clusters
    // of other tests, whose gateways hear of rotations only through their own Redis (see
    // docs/keys.md on the fresh tokens refused while this ran beside them).
    try await withFreshDatabase { database in
      try await withCluster(database: database) { cluster in
        #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
        let account = try await cluster.api.makeAccount()
        let before = try await cluster.api.signIn(account).accessToken
        let kidBefore = try tokenHeader(before).kid

        // Clients keep verifying old and new tokens, and signing in, while keys rotate twice.
        // Eight people, one client each: one account signing in from one address is allowed
        // only a few attempts in flight at once (issue 27).
        var people: [Account] = []
        for index in 0..<8 {
          let person = Account(slug: account.slug, username: "\(account.username)-\(index)")
          let registered = try await cluster.api.register(person)
          #expect(registered.status == 201, "\(registered.body)")
          people.append(person)
        }
        let failures = Counter()
        let stop = ContinuousClock.now + .seconds(4)
        try await withThrowingTaskGroup(of: Void.self) { group in
          for person in people {
            group.addTask {
              while ContinuousClock.now < stop {
                let fresh = try await cluster.api.login(person).value?.accessToken
                for token in [before, fresh ?? ""] where try await cluster.api.verify(token).status != 200 {
                  failures.add()
                }
              }
            }
          }
          group.addTask {
            try await Task.sleep(for: .milliseconds(500))
            _ = try await cluster.tokenAdmin(["keys", "rotate"])
            try await Task.sleep(for: .milliseconds(1000))
            _ = try await cluster.tokenAdmin(["keys", "rotate"])
          }
          try await group.waitForAll()
        }
        #expect(failures.count == 0)
        // token-service signs with a new key within its 5 s key cache.
        let newKid = try await eventually(timeout: .seconds(10)) {
          guard let after = try await cluster.api.login(account).value?.accessToken else { return false }
          return try tokenHeader(after).kid != kidBefore
        }
        #expect(newKid)
        #expect(try await cluster.api.verify(before).status == 200)  // the retired key is still published
      }
    }
  }
}
