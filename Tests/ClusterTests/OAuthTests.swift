import Foundation
import PostgresNIO
import Testing
@testable import Shared
@testable import TestSupport

/// `/oauth/token`, `/oauth/revoke`, `/oauth/introspect` through the real gateway and token-service.
@Suite(.serialized, .timeLimit(.minutes(5))) struct OAuthTests {
    struct Client {
        let account: Account
        let clientID: String
        let clientSecret: String

        var basic: [String: String] { ["Authorization": "Basic " + Data("\(clientID):\(clientSecret)".utf8).base64EncodedString()] }
    }

    /// A service with a registered user, and its client credentials.
    func makeClient(_ cluster: Cluster) async throws -> Client {
        let slug = TestEnvironment.uniqueName("svc").replacingOccurrences(of: "_", with: "-")
        let printed = try await cluster.tokenAdmin(["admin", "create-service", "--slug", slug, "--name", "Test"])
        func value(_ name: String) -> String {
            printed.split(separator: "\n").first { $0.hasPrefix(name) }.map { String($0.dropFirst(name.count)).trimmingCharacters(in: .whitespaces) } ?? ""
        }
        let account = Account(slug: slug, username: TestEnvironment.uniqueName("ada"))
        let registered = try await cluster.post("/api/v1/auth/register", body: #"{"service":"\#(slug)","username":"\#(account.username)","email":"\#(account.username)@example.com","password":"\#(account.password)"}"#)
        #expect(registered.status == 201, "\(registered.body)")
        return Client(account: account, clientID: value("client_id"), clientSecret: value("client_secret"))
    }

    func form(_ cluster: Cluster, _ path: String, _ fields: [(String, String)], headers: [String: String] = [:]) async throws -> (status: Int, headers: [String: String], body: String) {
        let encoded = fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        return try await cluster.post(path, body: encoded, contentType: "application/x-www-form-urlencoded", headers: headers)
    }

    func passwordGrant(_ cluster: Cluster, _ client: Client, password: String? = nil) async throws -> (status: Int, headers: [String: String], body: String) {
        try await form(cluster, "/oauth/token", [("grant_type", "password"), ("client_id", client.clientID),
                                                  ("username", client.account.username), ("password", password ?? client.account.password)])
    }

    @Test func thePasswordAndRefreshGrantsFollowTheAccountRules() async throws {
        try await withCluster { cluster in
            #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
            let client = try await makeClient(cluster)
            let other = try await makeClient(cluster)

            let granted = try await passwordGrant(cluster, client)
            #expect(granted.status == 200, "\(granted.body)")
            #expect(granted.headers["cache-control"] == "no-store" && granted.headers["pragma"] == "no-cache")
            let tokens = json(granted.body)
            #expect(tokens["token_type"] as? String == "Bearer" && tokens["expires_in"] as? Int == 900)
            #expect(tokens["scope"] as? String == "openid profile email")
            let access = try #require(tokens["access_token"] as? String)
            let refresh = try #require(tokens["refresh_token"] as? String)
            #expect(try await cluster.api.verify(access).status == 200)

            let wrong = try await passwordGrant(cluster, client, password: "not the password 1")
            #expect(wrong.status == 400 && json(wrong.body)["error"] as? String == "invalid_grant", "\(wrong.body)")
            #expect(wrong.headers["cache-control"] == "no-store")

            // Another service's client cannot spend this service's refresh token; its owner can, once.
            let foreign = try await form(cluster, "/oauth/token", [("grant_type", "refresh_token"), ("client_id", other.clientID), ("refresh_token", refresh)])
            #expect(foreign.status == 400 && json(foreign.body)["error"] as? String == "invalid_grant", "\(foreign.body)")
            let rotated = try await form(cluster, "/oauth/token", [("grant_type", "refresh_token"), ("refresh_token", refresh)], headers: client.basic)
            #expect(rotated.status == 200, "\(rotated.body)")
            #expect(json(rotated.body)["refresh_token"] as? String != refresh)

            let scoped = try await form(cluster, "/oauth/token", [("grant_type", "password"), ("client_id", client.clientID), ("scope", "admin"),
                                                                  ("username", client.account.username), ("password", client.account.password)])
            #expect(json(scoped.body)["error"] as? String == "invalid_scope")
        }
    }

    @Test func malformedRequestsGetOAuthErrorsNeverProblems() async throws {
        try await withCluster { cluster in
            #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
            let client = try await makeClient(cluster)
            let cases: [(String, (status: Int, headers: [String: String], body: String), Int, String)] = [
                ("json body", try await cluster.post("/oauth/token", body: #"{"grant_type":"password"}"#), 400, "invalid_request"),
                ("no grant type", try await form(cluster, "/oauth/token", [("client_id", client.clientID)]), 400, "invalid_request"),
                ("repeated parameter", try await form(cluster, "/oauth/token", [("grant_type", "password"), ("grant_type", "password")]), 400, "invalid_request"),
                ("unknown grant", try await form(cluster, "/oauth/token", [("grant_type", "implicit"), ("client_id", client.clientID)]), 400, "unsupported_grant_type"),
                ("unknown client", try await form(cluster, "/oauth/token", [("grant_type", "password"), ("client_id", "gh_nobody"), ("username", "a"), ("password", "b")]), 401, "invalid_client"),
                ("bad basic", try await form(cluster, "/oauth/token", [("grant_type", "client_credentials")], headers: ["Authorization": "Basic !!!"]), 401, "invalid_client"),
                ("no token", try await form(cluster, "/oauth/introspect", [], headers: client.basic), 400, "invalid_request"),
            ]
            for (name, answer, status, error) in cases {
                #expect(answer.status == status && json(answer.body)["error"] as? String == error, "\(name): \(answer.status) \(answer.body)")
                #expect(answer.headers["content-type"] == "application/json" && answer.headers["cache-control"] == "no-store", "\(name)")
            }
            #expect(cases[4].1.headers["www-authenticate"]?.hasPrefix("Basic") == true)
        }
    }

    @Test func aServiceGetsItsOwnTokenWithItsSecretOnly() async throws {
        try await withCluster { cluster in
            #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
            let client = try await makeClient(cluster)
            let publicOnly = try await form(cluster, "/oauth/token", [("grant_type", "client_credentials"), ("client_id", client.clientID)])
            #expect(publicOnly.status == 401 && json(publicOnly.body)["error"] as? String == "invalid_client")
            let wrongSecret = try await form(cluster, "/oauth/token", [("grant_type", "client_credentials"), ("client_id", client.clientID), ("client_secret", "guess")])
            #expect(wrongSecret.status == 401 && json(wrongSecret.body)["error"] as? String == "invalid_client")

            let granted = try await form(cluster, "/oauth/token", [("grant_type", "client_credentials")], headers: client.basic)
            #expect(granted.status == 200, "\(granted.body)")
            let tokens = json(granted.body)
            #expect(tokens["refresh_token"] == nil && tokens["scope"] as? String == "service")
            let access = try #require(tokens["access_token"] as? String)
            let verified = try await cluster.get("/api/v1/auth/verify?audience=\(client.account.slug)", headers: ["Authorization": "Bearer \(access)"])
            #expect(verified.status == 200, "\(verified.body)")
            let claims = json(verified.body)["claims"] as? [String: Any] ?? [:]
            #expect(claims["sub"] as? String == client.clientID && claims["sid"] == nil)
            // It acts for no user.
            let me = try await cluster.get("/api/v1/users/me", headers: ["Authorization": "Bearer \(access)"])
            #expect(me.status == 403 && json(me.body)["code"] as? String == "user_token_required", "\(me.body)")
        }
    }

    @Test func introspectionAndRevocationSeeOnlyTheClientsOwnTokens() async throws {
        try await withCluster { cluster in
            #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
            let client = try await makeClient(cluster)
            let other = try await makeClient(cluster)
            let tokens = json(try await passwordGrant(cluster, client).body)
            let access = try #require(tokens["access_token"] as? String)
            let refresh = try #require(tokens["refresh_token"] as? String)

            func introspect(_ token: String, as who: Client, hint: String? = nil) async throws -> [String: Any] {
                let answer = try await form(cluster, "/oauth/introspect", [("token", token)] + (hint.map { [("token_type_hint", $0)] } ?? []), headers: who.basic)
                #expect(answer.status == 200, "\(answer.body)")
                return json(answer.body)
            }
            let active = try await introspect(access, as: client)
            #expect(active["active"] as? Bool == true && active["aud"] as? String == client.account.slug && active["token_type"] as? String == "Bearer")
            let activeRefresh = try await introspect(refresh, as: client)
            #expect(activeRefresh["active"] as? Bool == true && activeRefresh["token_type"] as? String == "refresh_token")
            #expect(activeRefresh["username"] as? String == client.account.username)
            // Another service's resource server learns nothing.
            #expect(try await introspect(access, as: other).keys.sorted() == ["active"])
            #expect(try await introspect(refresh, as: other)["active"] as? Bool == false)
            #expect(try await introspect("not-a-token", as: client)["active"] as? Bool == false)
            // Introspection needs the secret.
            let anonymous = try await form(cluster, "/oauth/introspect", [("token", access), ("client_id", client.clientID)])
            #expect(anonymous.status == 401 && json(anonymous.body)["error"] as? String == "invalid_client")

            // Revoking another client's token is refused; unknown tokens are fine (RFC 7009).
            let foreign = try await form(cluster, "/oauth/revoke", [("token", access), ("client_id", other.clientID)])
            #expect(foreign.status == 400 && json(foreign.body)["error"] as? String == "unauthorized_client", "\(foreign.body)")
            #expect(try await form(cluster, "/oauth/revoke", [("token", "nothing-known"), ("client_id", client.clientID)]).status == 200)

            let revokedAccess = try await form(cluster, "/oauth/revoke", [("token", access), ("client_id", client.clientID)])
            #expect(revokedAccess.status == 200 && revokedAccess.headers["cache-control"] == "no-store")
            #expect(try await introspect(access, as: client)["active"] as? Bool == false)
            #expect(try await eventually(timeout: propagationLimit) { try await cluster.api.verify(access).status == 401 })

            #expect(try await form(cluster, "/oauth/revoke", [("token", refresh), ("token_type_hint", "refresh_token")], headers: client.basic).status == 200)
            #expect(try await introspect(refresh, as: client)["active"] as? Bool == false)
            let spent = try await form(cluster, "/oauth/token", [("grant_type", "refresh_token"), ("client_id", client.clientID), ("refresh_token", refresh)])
            #expect(json(spent.body)["error"] as? String == "invalid_grant")
            try await withPostgres(TestEnvironment.database(owner: true)) { owner in
                let rows = try await owner.query("""
                    SELECT count(*)::int FROM token.sessions s JOIN token.users u ON u.id = s.user_id
                    WHERE u.username = \(client.account.username) AND s.revoked_reason = 'oauth_revoke'
                    """, logger: TestEnvironment.logger).collect()
                #expect(try rows.first?.decode(Int.self) == 1)
            }
        }
    }

    @Test func theDiscoveryDocumentNamesTheOAuthEndpoints() async throws {
        try await withCluster { cluster in
            #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
            let document = json(try await cluster.get("/.well-known/openid-configuration").body)
            let issuer = try #require(document["issuer"] as? String)
            #expect(document["token_endpoint"] as? String == issuer + "/oauth/token")
            #expect(document["revocation_endpoint"] as? String == issuer + "/oauth/revoke")
            #expect(document["introspection_endpoint"] as? String == issuer + "/oauth/introspect")
            #expect((document["grant_types_supported"] as? [String])?.contains("client_credentials") == true)
        }
    }
}
