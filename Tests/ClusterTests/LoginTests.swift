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
    struct Account {
        let slug: String
        let username: String
        let password = "correct horse 1"
    }

    func makeAccount(_ cluster: Cluster) async throws -> Account {
        let slug = TestEnvironment.uniqueName("svc").replacingOccurrences(of: "_", with: "-")
        _ = try await cluster.tokenAdmin(["admin", "create-service", "--slug", slug, "--name", "Test"])
        let account = Account(slug: slug, username: TestEnvironment.uniqueName("ada"))
        let registered = try await cluster.post("/api/v1/auth/register", body: #"{"service":"\#(slug)","username":"\#(account.username)","email":"\#(account.username)@example.com","password":"\#(account.password)"}"#)
        #expect(registered.status == 201, "\(registered.body)")
        return account
    }

    func login(_ cluster: Cluster, _ account: Account, password: String? = nil, clientType: String = "mobile") async throws -> (status: Int, headers: [String: String], body: String) {
        try await cluster.post("/api/v1/auth/login", body: #"{"service":"\#(account.slug)","username":"\#(account.username)","password":"\#(password ?? account.password)","client_type":"\#(clientType)"}"#)
    }

    func verify(_ cluster: Cluster, _ token: String) async throws -> (status: Int, headers: [String: String], body: String) {
        try await cluster.get("/api/v1/auth/verify", headers: ["Authorization": "Bearer \(token)"])
    }

    @Test func mobileAndWebClientsGetTheirTokensWhereTheyBelong() async throws {
        try await withCluster { cluster in
            #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
            let account = try await makeAccount(cluster)

            let mobile = try await login(cluster, account)
            #expect(mobile.status == 200, "\(mobile.body)")
            let grant = json(mobile.body)
            #expect(grant["token_type"] as? String == "Bearer")
            #expect(grant["expires_in"] as? Int == 900)
            #expect((grant["refresh_token"] as? String)?.count == 43)   // 256 bits, base64url
            #expect((grant["service"] as? [String: Any])?["role"] as? String == "user")
            #expect(mobile.headers["cache-control"] == "no-store")
            #expect(mobile.headers["set-cookie"] == nil)

            let web = try await login(cluster, account, clientType: "web")
            #expect(web.status == 200)
            #expect(json(web.body)["refresh_token"] == nil)
            let cookie = try #require(web.headers["set-cookie"])
            #expect(cookie.hasPrefix("__Host-gh_refresh_\(account.slug)="))
            for attribute in ["Max-Age=604800", "Path=/", "Secure", "HttpOnly", "SameSite=Lax"] {
                #expect(cookie.contains(attribute), "\(cookie) lacks \(attribute)")
            }

            // The access token verifies at the gateway, with the claims of RFC 9068.
            let token = try #require(grant["access_token"] as? String)
            let verified = try await verify(cluster, token)
            #expect(verified.status == 200, "\(verified.body)")
            let claims = json(verified.body)["claims"] as? [String: Any]
            #expect(claims?["aud"] as? String == account.slug)
            #expect(claims?["sub"] as? String == (grant["user"] as? [String: Any])?["id"] as? String)
            #expect(claims?["tv"] as? Int == 0)
            #expect(claims?["roles"] as? [String] == ["user"])
            let header = json(String(decoding: Base64URL.decode(String(token.split(separator: ".")[0])) ?? [], as: UTF8.self))
            #expect(header["typ"] as? String == "at+jwt" && header["alg"] as? String == "ES256")
            let published = json(try await cluster.get("/.well-known/jwks.json").body)["keys"] as? [[String: Any]]
            #expect(published?.first?["kid"] as? String == header["kid"] as? String)

            // A standard JOSE library (PyJWT) verifies it against the published JWKS.
            let checked = try PythonCheck.run("verify_token.py", [
                cluster.url("/.well-known/jwks.json"), "http://127.0.0.1:\(cluster.httpPort)", account.slug, token])
            #expect(checked.status == 0, "PyJWT refused the token: \(checked.output)")
            #expect(json(checked.output)["header"].flatMap { $0 as? [String: Any] }?["typ"] as? String == "at+jwt")
            let otherAudience = try PythonCheck.run("verify_token.py", [
                cluster.url("/.well-known/jwks.json"), "http://127.0.0.1:\(cluster.httpPort)", "another-service", token])
            #expect(otherAudience.status == 1 && otherAudience.output.contains("InvalidAudience"))
        }
    }

    @Test func forgedTamperedAndUnsignedTokensAreRefused() async throws {
        try await withCluster { cluster in
            #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
            let account = try await makeAccount(cluster)
            let token = try #require(json(try await login(cluster, account).body)["access_token"] as? String)
            let parts = token.split(separator: ".").map(String.init)
            var payload = json(String(decoding: Base64URL.decode(parts[1]) ?? [], as: UTF8.self))
            payload["roles"] = ["owner"]
            let changed = Base64URL.encode(try JSONSerialization.data(withJSONObject: payload))
            let header = json(String(decoding: Base64URL.decode(parts[0]) ?? [], as: UTF8.self))
            let noneHeader = Base64URL.encode(Array(#"{"alg":"none","typ":"at+jwt","kid":"\#(header["kid"] as? String ?? "")"}"#.utf8))
            let foreignKey = P256.Signing.PrivateKey()
            let signingInput = parts[0] + "." + parts[1]
            let foreignSignature = Base64URL.encode(try foreignKey.signature(for: Array(signingInput.utf8)).rawRepresentation)
            let hsHeader = Base64URL.encode(Array(#"{"alg":"HS256","typ":"at+jwt","kid":"\#(header["kid"] as? String ?? "")"}"#.utf8))
            let hsSignature = Base64URL.encode(HMAC<SHA256>.authenticationCode(
                for: Array((hsHeader + "." + parts[1]).utf8),
                using: SymmetricKey(data: Array(try await cluster.get("/.well-known/jwks.json").body.utf8))))

            for (name, forged) in [
                ("changed payload", parts[0] + "." + changed + "." + parts[2]),
                ("alg none", noneHeader + "." + parts[1] + "."),
                ("another key", signingInput + "." + foreignSignature),
                ("HS256 with the public keys", hsHeader + "." + parts[1] + "." + hsSignature),
                ("garbage", "not.a.token"),
            ] {
                let response = try await verify(cluster, forged)
                #expect(response.status == 401, "\(name) was accepted: \(response.body)")
                #expect(response.headers["www-authenticate"]?.hasPrefix(#"Bearer error="invalid_token""#) == true, "\(name)")
                #expect(json(response.body)["code"] as? String == "invalid_token")
            }
            let missing = try await cluster.get("/api/v1/auth/verify")
            #expect(missing.status == 401)
        }
    }

    /// docs/accounts.md: `/verify?audience=<slug>` refuses a token for any other service. Before
    /// issue 28 only PyJWT was shown refusing a wrong audience; the gateway's own check was never
    /// exercised, and removing it failed nothing.
    @Test func theVerifyRouteRefusesATokenForAnotherAudience() async throws {
        try await withCluster { cluster in
            #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
            let account = try await makeAccount(cluster)
            let other = try await makeAccount(cluster)
            let token = try #require(json(try await login(cluster, account).body)["access_token"] as? String)
            let bearer = ["Authorization": "Bearer \(token)"]
            let own = try await cluster.get("/api/v1/auth/verify?audience=\(account.slug)", headers: bearer)
            #expect(own.status == 200, "\(own.body)")
            for audience in [other.slug, account.slug.uppercased(), ""] {
                let refused = try await cluster.get("/api/v1/auth/verify?audience=\(audience)", headers: bearer)
                #expect(refused.status == 401 && json(refused.body)["code"] as? String == "invalid_token", "audience '\(audience)': \(refused.body)")
                #expect(refused.headers["www-authenticate"]?.hasPrefix(#"Bearer error="invalid_token""#) == true)
            }
        }
    }

    /// The token `original` with its claims changed by `change`, signed with the real signing key
    /// that signed it: read from the database and opened with the master key ring, as
    /// token-service does (tests run with the local demo master key).
    func resigned(_ original: String, _ change: (inout [String: Any]) -> Void) async throws -> String {
        let parts = original.split(separator: ".").map(String.init)
        let kid = try #require(json(String(decoding: Base64URL.decode(parts[0]) ?? [], as: UTF8.self))["kid"] as? String)
        let key = try await withPostgres(TestEnvironment.database(owner: true)) { owner in
            let rows = try await owner.query("SELECT private_key, master_key_version FROM token.signing_keys WHERE kid = \(kid)",
                                             logger: TestEnvironment.logger).collect()
            let (sealed, version) = try #require(rows.first).decode((ByteBuffer, Int).self)
            let ring = try MasterKeyRing(current: (version, MasterKeyRing.localDemoKey))
            let raw = try ring.open(EncryptedValue(keyVersion: version, sealed: Array(sealed.readableBytesView)), purpose: "token.signing_key", context: kid)
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
            let account = try await makeAccount(cluster)
            let token = try #require(json(try await login(cluster, account).body)["access_token"] as? String)
            let now = Int(Date().timeIntervalSince1970)
            let cases: [(name: String, change: (inout [String: Any]) -> Void, status: Int)] = [
                ("unchanged, signed again", { _ in }, 200),
                ("expired 10 s ago, inside the leeway", { $0["exp"] = now - 10 }, 200),
                ("expired 90 s ago", { $0["exp"] = now - 90; $0["iat"] = now - 1000; $0["nbf"] = now - 1000 }, 401),
                ("valid from 10 s ahead, inside the leeway", { $0["nbf"] = now + 10 }, 200),
                ("valid from 90 s ahead", { $0["nbf"] = now + 90 }, 401),
                ("another issuer", { $0["iss"] = "https://gatehouse.evil.example" }, 401),
            ]
            for (name, change, status) in cases {
                let answer = try await verify(cluster, try await resigned(token, change))
                #expect(answer.status == status, "\(name): \(answer.body)")
                if status == 401 {
                    #expect(json(answer.body)["code"] as? String == "invalid_token", "\(name): \(answer.body)")
                }
            }
        }
    }

    @Test func wrongPasswordsLookAlikeAndTheFifthLocksTheAccount() async throws {
        try await withCluster { cluster in
            #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
            let account = try await makeAccount(cluster)
            let nobody = Account(slug: account.slug, username: "nobody-\(account.username)")
            let unknown = try await login(cluster, nobody)
            #expect(unknown.status == 401 && json(unknown.body)["code"] as? String == "invalid_credentials")
            var statuses: [Int] = []
            for _ in 0..<5 { statuses.append(try await login(cluster, account, password: "wrong horse 1").status) }
            #expect(statuses == [401, 401, 401, 401, 423])
            let locked = try await login(cluster, account)
            #expect(locked.status == 423)
            #expect(json(locked.body)["code"] as? String == "account_locked")
            try await withPostgres(TestEnvironment.database(owner: true)) { owner in
                let rows = try await owner.query("""
                    SELECT count(*)::int FROM audit.events e JOIN token.users u ON u.id = e.actor_user_id
                    WHERE u.username = \(account.username) AND e.action = 'USER_LOGIN_FAILED'
                    """, logger: TestEnvironment.logger).collect()
                #expect(try rows.first?.decode(Int.self) == 5)
            }
        }
    }

    @Test func theSignedInUserReadsTheirOwnAccount() async throws {
        try await withCluster { cluster in
            #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
            let account = try await makeAccount(cluster)
            let token = try #require(json(try await login(cluster, account).body)["access_token"] as? String)
            let me = try await cluster.get("/api/v1/users/me", headers: ["Authorization": "Bearer \(token)"])
            #expect(me.status == 200, "\(me.body)")
            let profile = json(me.body)
            #expect(profile["username"] as? String == account.username)
            #expect(profile["email_verified"] as? Bool == false)
            #expect((profile["created_at"] as? String).flatMap { try? Date($0, strategy: .iso8601) } != nil)
            #expect((profile["service"] as? [String: Any])?["slug"] as? String == account.slug)
            #expect(profile["password_hash"] == nil && !me.body.contains("$2"))
            #expect(try await cluster.get("/api/v1/users/me").status == 401)
        }
    }

    /// Rotation events are at most once. A gateway that missed two of them meets tokens signed
    /// by a key it has never seen; it must fetch the keys again, not call the tokens forged.
    @Test func aGatewayThatMissedRotationsStillAcceptsTokensOfTheNewKey() async throws {
        try await withFreshDatabase { database in try await withCluster(database: database) { cluster in
            #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
            let account = try await makeAccount(cluster)
            let before = try #require(json(try await login(cluster, account).body)["access_token"] as? String)
            #expect(try await verify(cluster, before).status == 200)
            func kid(_ token: String) -> String? {
                json(String(decoding: Base64URL.decode(String(token.split(separator: ".")[0])) ?? [], as: UTF8.self))["kid"] as? String
            }
            // Two rotations whose events reach no one (the command's Redis is a closed port).
            for _ in 0..<2 {
                let rotation = try cluster.start("token-service", arguments: ["keys", "rotate"], extra: ["GATEHOUSE_REDIS_PORT": "1"])
                #expect(await rotation.waitForExit(timeout: .seconds(30)) == 0, "\(rotation.log)")
            }
            // token-service signs with the new key once its 5 s key cache lapses.
            var fresh = ""
            #expect(try await eventually(timeout: .seconds(15)) {
                fresh = json(try await login(cluster, account).body)["access_token"] as? String ?? ""
                return !fresh.isEmpty && kid(fresh) != kid(before)
            })
            let verified = try await verify(cluster, fresh)
            #expect(verified.status == 200, "\(verified.body)")
        } }
    }

    @Test func keysRotatedWhileClientsHoldTokensFailNoRequest() async throws {
        // A database of its own: rotating the shared one changed the signing key under clusters
        // of other tests, whose gateways hear of rotations only through their own Redis (see
        // docs/keys.md on the fresh tokens refused while this ran beside them).
        try await withFreshDatabase { database in try await withCluster(database: database) { cluster in
            #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
            let account = try await makeAccount(cluster)
            let before = try #require(json(try await login(cluster, account).body)["access_token"] as? String)
            let kidBefore = json(String(decoding: Base64URL.decode(String(before.split(separator: ".")[0])) ?? [], as: UTF8.self))["kid"] as? String

            // Clients keep verifying old and new tokens, and signing in, while keys rotate twice.
            // Eight people, one client each: one account signing in from one address is allowed
            // only a few attempts in flight at once (issue 27).
            var people: [Account] = []
            for index in 0..<8 {
                let person = Account(slug: account.slug, username: "\(account.username)-\(index)")
                let registered = try await cluster.post("/api/v1/auth/register", body: #"{"service":"\#(person.slug)","username":"\#(person.username)","email":"\#(person.username)@example.com","password":"\#(person.password)"}"#)
                #expect(registered.status == 201, "\(registered.body)")
                people.append(person)
            }
            let failures = Counter()
            let stop = ContinuousClock.now + .seconds(4)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for person in people {
                    group.addTask {
                        while ContinuousClock.now < stop {
                            let fresh = json(try await login(cluster, person).body)["access_token"] as? String
                            for token in [before, fresh ?? ""] where try await verify(cluster, token).status != 200 {
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
                let after = json(try await login(cluster, account).body)["access_token"] as? String ?? ""
                let header = json(String(decoding: Base64URL.decode(String(after.split(separator: ".")[0])) ?? [], as: UTF8.self))
                return header["kid"] as? String != kidBefore
            }
            #expect(newKid)
            #expect(try await verify(cluster, before).status == 200)   // the retired key is still published
        } }
    }
}
