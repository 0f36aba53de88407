import Foundation
import PostgresNIO
import Testing
@testable import Shared

/// Refresh-token rotation through the real gateway and token-service.
@Suite(.serialized) struct RefreshTests {
    let login = LoginTests()

    func makeAccount(_ cluster: Cluster, origin: String = "https://app.example") async throws -> LoginTests.Account {
        let slug = TestEnvironment.uniqueName("svc").replacingOccurrences(of: "_", with: "-")
        _ = try await cluster.tokenAdmin(["admin", "create-service", "--slug", slug, "--name", "Test", "--origin", origin])
        let account = LoginTests.Account(slug: slug, username: TestEnvironment.uniqueName("ada"))
        let registered = try await cluster.post("/api/v1/auth/register", body: #"{"service":"\#(slug)","username":"\#(account.username)","email":"\#(account.username)@example.com","password":"\#(account.password)"}"#)
        #expect(registered.status == 201)
        return account
    }

    func refresh(_ cluster: Cluster, _ token: String) async throws -> (status: Int, headers: [String: String], body: String) {
        try await cluster.post("/api/v1/auth/refresh", body: #"{"refresh_token":"\#(token)"}"#)
    }

    @Test func aRefreshRotatesAndARetryWithinTheGraceWindowGetsTheSamePair() async throws {
        try await withCluster { cluster in
            #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
            let account = try await makeAccount(cluster)
            let first = json(try await login.login(cluster, account).body)
            let token = try #require(first["refresh_token"] as? String)

            let rotated = try await refresh(cluster, token)
            #expect(rotated.status == 200, "\(rotated.body)")
            let pair = json(rotated.body)
            let next = try #require(pair["refresh_token"] as? String)
            #expect(next != token)
            let access = try #require(pair["access_token"] as? String)
            #expect(try await login.verify(cluster, access).status == 200)

            let retried = json(try await refresh(cluster, token).body)
            #expect(retried["refresh_token"] as? String == next)
            #expect(retried["access_token"] as? String == access)

            // The new token rotates in turn.
            #expect(try await refresh(cluster, next).status == 200)
        }
    }

    @Test func fiftyConcurrentRefreshesOfOneTokenYieldOnePair() async throws {
        try await withCluster { cluster in
            #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
            // Two token-service instances: the in-memory queue of one cannot be what decides.
            let second = try cluster.start("token-service")
            #expect(try await eventually { second.log.contains("serving") }, "\(second.log)")
            let account = try await makeAccount(cluster)
            let token = try #require(json(try await login.login(cluster, account).body)["refresh_token"] as? String)
            let answers = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                for _ in 0..<50 {
                    group.addTask {
                        let response = try await refresh(cluster, token)
                        return (response.status, json(response.body)["refresh_token"] as? String)
                    }
                }
                return try await group.reduce(into: [(Int, String?)]()) { $0.append($1) }
            }
            let pairs = Set(answers.filter { $0.0 == 200 }.compactMap(\.1))
            #expect(pairs.count == 1, "\(answers)")
            #expect(answers.allSatisfy { $0.0 == 200 || $0.0 == 401 })
            try await withPostgres(TestEnvironment.database(owner: true)) { owner in
                let rows = try await owner.query("""
                    SELECT count(*)::int FROM token.refresh_tokens child JOIN token.refresh_tokens parent ON child.parent_id = parent.id
                    JOIN token.sessions s ON s.id = parent.session_id JOIN token.users u ON u.id = s.user_id
                    WHERE u.username = \(account.username)
                    """, logger: TestEnvironment.logger).collect()
                #expect(try rows.first?.decode(Int.self) == 1)
            }
        }
    }

    @Test func aSpentTokenReplayedAfterTheGraceWindowEndsTheSession() async throws {
        try await withCluster { cluster in
            #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
            let account = try await makeAccount(cluster)
            try await withPostgres(TestEnvironment.database(owner: true)) { owner in
                _ = try await owner.query("UPDATE token.services SET refresh_grace_seconds = 1 WHERE slug = \(account.slug)", logger: TestEnvironment.logger).collect()
            }
            let token = try #require(json(try await login.login(cluster, account).body)["refresh_token"] as? String)
            let next = try #require(json(try await refresh(cluster, token).body)["refresh_token"] as? String)
            try await Task.sleep(for: .milliseconds(1300))
            let replay = try await refresh(cluster, token)
            #expect(replay.status == 401 && json(replay.body)["code"] as? String == "refresh_token_reused")
            // The thief's copy and the owner's new token die with the session.
            let afterwards = try await refresh(cluster, next)
            #expect(afterwards.status == 401 && json(afterwards.body)["code"] as? String == "invalid_refresh_token")
            try await withPostgres(TestEnvironment.database(owner: true)) { owner in
                let rows = try await owner.query("""
                    SELECT s.revoked_reason, (SELECT count(*)::int FROM audit.events e WHERE e.actor_user_id = u.id AND e.action = 'TOKEN_REUSE_DETECTED')
                    FROM token.sessions s JOIN token.users u ON u.id = s.user_id WHERE u.username = \(account.username)
                    """, logger: TestEnvironment.logger).collect()
                let (reason, audits) = try #require(rows.first).decode((String?, Int).self)
                #expect(reason == "refresh_token_reuse" && audits == 1)
            }
        }
    }

    @Test func webClientsRefreshWithTheCookieFromAnAllowedOriginOnly() async throws {
        try await withCluster { cluster in
            #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
            let account = try await makeAccount(cluster)
            let web = try await login.login(cluster, account, clientType: "web")
            let cookie = try #require(web.headers["set-cookie"]?.split(separator: ";").first.map(String.init))
            let foreign = try await cluster.post("/api/v1/auth/refresh", body: "", contentType: nil,
                                                 headers: ["Cookie": cookie, "Origin": "https://evil.example"])
            #expect(foreign.status == 403 && json(foreign.body)["code"] as? String == "origin_not_allowed")
            let allowed = try await cluster.post("/api/v1/auth/refresh", body: "", contentType: nil,
                                                 headers: ["Cookie": cookie, "Origin": "https://app.example"])
            #expect(allowed.status == 200, "\(allowed.body)")
            #expect(json(allowed.body)["refresh_token"] == nil)
            #expect(allowed.headers["set-cookie"]?.hasPrefix("__Host-gh_refresh_\(account.slug)=") == true)
        }
    }

    @Test func manySessionsRefreshingAtOnceNeverExhaustTheConnectionPool() async throws {
        // Three connections, twenty rotations at once: a rotation that needed a second connection
        // while holding its first would deadlock here (it did, under make bench).
        try await withCluster(environment: ["GATEHOUSE_PG_POOL_SIZE": "3"]) { cluster in
            #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
            let account = try await makeAccount(cluster)
            var tokens: [String] = []
            for _ in 0..<20 {
                tokens.append(try #require(json(try await login.login(cluster, account).body)["refresh_token"] as? String))
            }
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for token in tokens { group.addTask { try await refresh(cluster, token).status } }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == 200 }, "\(statuses)")
        }
    }
}
