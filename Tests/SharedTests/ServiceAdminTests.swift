import Foundation
import PostgresNIO
import Testing
@testable import Shared

/// The services admin API, platform and service roles, through the real gateway and token-service.
@Suite(.serialized) struct ServiceAdminTests {
    let login = LoginTests()

    /// A platform admin signed in to a service of its own (any service will do for a token).
    func admin(_ cluster: Cluster, role: String) async throws -> (account: LoginTests.Account, token: String) {
        let account = try await login.makeAccount(cluster)
        if role == "SUPER_ADMIN" || role == "SERVICE_ADMIN" {
            _ = try await cluster.tokenAdmin(["admin", "set-platform-role", "--username", account.username, "--role", role])
        }
        let token = try #require(json(try await login.login(cluster, account).body)["access_token"] as? String)
        return (account, token)
    }

    func claims(_ token: String) -> [String: Any] {
        json(String(decoding: Base64URL.decode(String(token.split(separator: ".")[1])) ?? [], as: UTF8.self))
    }

    @Test func superuserCommandMakesASuperAdminWhoseTokensSaySo() async throws {
        try await withCluster { cluster in
            #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
            let username = TestEnvironment.uniqueName("root")
            let printed = try await cluster.tokenAdmin(["admin", "create-superuser", "--username", username, "--email", "\(username)@example.com"])
            let password = try #require(printed.split(separator: "\n").first { $0.hasPrefix("password ") }.map { String($0.dropFirst(9)) })
            let service = try await login.makeAccount(cluster)
            let signedIn = try await cluster.post("/api/v1/auth/login", body: #"{"service":"\#(service.slug)","username":"\#(username)","password":"\#(password)","client_type":"mobile"}"#)
            #expect(signedIn.status == 200, "\(signedIn.body)")
            let token = try #require(json(signedIn.body)["access_token"] as? String)
            #expect(claims(token)["platform_role"] as? String == "SUPER_ADMIN")
            // A plain member's token: role user, seed 000's permissions for it, no platform role.
            let member = claims(try #require(json(try await login.login(cluster, service).body)["access_token"] as? String))
            #expect(member["roles"] as? [String] == ["user"] && member["permissions"] as? [String] == ["content.read", "api.read"])
            #expect(member["platform_role"] == nil)
        }
    }

    @Test func superAdminsManageServicesAndGatewaysFollowWithinASecond() async throws {
        try await withCluster { cluster in
            #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
            let (_, token) = try await admin(cluster, role: "SUPER_ADMIN")
            let auth = ["Authorization": "Bearer \(token)"]
            let slug = TestEnvironment.uniqueName("shop").replacingOccurrences(of: "_", with: "-")
            let created = try await cluster.post("/api/v1/services", body: #"{"slug":"\#(slug)","name":"Shop","type":"web","allowed_origins":["https://shop.example"],"social_providers":["google"]}"#, headers: auth)
            #expect(created.status == 201, "\(created.body)")
            #expect((json(created.body)["client_secret"] as? String)?.count == 43)
            #expect(try await cluster.post("/api/v1/services", body: #"{"slug":"\#(slug)","name":"Again","type":"web"}"#, headers: auth).status == 409)
            for (body, field) in [(#"{"slug":"Bad Slug","name":"x","type":"web"}"#, "slug"), (#"{"slug":"ok-slug","name":"x","type":"tv"}"#, "type"),
                                  (#"{"slug":"ok-slug","name":"x","type":"web","social_providers":["myspace"]}"#, "social_providers"),
                                  (#"{"slug":"ok-slug","name":"x","type":"web","allowed_origins":["not a url"]}"#, "allowed_origins"),
                                  (#"{"slug":"ok-slug","type":"web"}"#, "name")] {
                let refused = try await cluster.post("/api/v1/services", body: body, headers: auth)
                #expect(refused.status == 422 && json(refused.body)["field"] as? String == field, "\(body): \(refused.body)")
            }
            let listed = json(try await cluster.get("/api/v1/services", headers: auth).body)["services"] as? [[String: Any]] ?? []
            #expect(listed.contains { $0["slug"] as? String == slug })

            // New origins apply at every gateway within a second.
            let patched = try await cluster.post("/api/v1/services/\(slug)", body: #"{"allowed_origins":["https://new-shop.example"],"access_token_ttl_seconds":600}"#,
                                                 method: .PATCH, headers: auth)
            #expect(patched.status == 200 && json(patched.body)["access_token_ttl_seconds"] as? Int == 600, "\(patched.body)")
            #expect(try await eventually(timeout: .seconds(1)) {
                try await ClientEdgeTests().preflight(cluster, "/api/v1/auth/login", origin: "https://new-shop.example").status == 204
            })
            let rotated = json(try await cluster.post("/api/v1/services/\(slug)/credentials", body: "", contentType: nil, headers: auth).body)
            #expect((rotated["client_secret"] as? String)?.count == 43)

            // A member signs in; deleting the service stops their token within a second.
            let member = LoginTests.Account(slug: slug, username: TestEnvironment.uniqueName("ada"))
            _ = try await cluster.post("/api/v1/auth/register", body: #"{"service":"\#(slug)","username":"\#(member.username)","email":"\#(member.username)@example.com","password":"\#(member.password)"}"#)
            let memberToken = try #require(json(try await login.login(cluster, member).body)["access_token"] as? String)
            #expect(try await login.verify(cluster, memberToken).status == 200)
            #expect(try await cluster.delete("/api/v1/services/\(slug)", headers: auth).status == 200)
            #expect(try await eventually(timeout: .seconds(1)) { try await login.verify(cluster, memberToken).status == 401 })
            #expect(try await login.login(cluster, member).status == 404)
            #expect(try await cluster.get("/api/v1/services/\(slug)", headers: auth).status == 404)
            try await withPostgres(TestEnvironment.database(owner: true)) { owner in
                let rows = try await owner.query("""
                    SELECT (SELECT deleted_at IS NOT NULL FROM token.services WHERE slug = \(slug)),
                           (SELECT count(*)::int FROM audit.events e JOIN token.services s ON s.id = e.service_id
                            WHERE s.slug = \(slug) AND e.action IN ('SERVICE_CREATED', 'SERVICE_UPDATED', 'SERVICE_CREDENTIALS_ROTATED', 'SERVICE_DELETED'))
                    """, logger: TestEnvironment.logger).collect()
                let (deleted, audits) = try #require(rows.first).decode((Bool, Int).self)
                #expect(deleted && audits == 4)   // soft: the row and its data stay
            }
        }
    }

    @Test func serviceAdminsManageOnlyTheirOwnAndUsersNothing() async throws {
        try await withCluster { cluster in
            #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
            let (_, mine) = try await admin(cluster, role: "SERVICE_ADMIN")
            let (_, theirs) = try await admin(cluster, role: "SERVICE_ADMIN")
            let (_, plain) = try await admin(cluster, role: "USER")
            let slug = TestEnvironment.uniqueName("mine").replacingOccurrences(of: "_", with: "-")
            let created = try await cluster.post("/api/v1/services", body: #"{"slug":"\#(slug)","name":"Mine","type":"api"}"#,
                                                 headers: ["Authorization": "Bearer \(mine)"])
            #expect(created.status == 201, "\(created.body)")
            #expect(try await cluster.get("/api/v1/services/\(slug)", headers: ["Authorization": "Bearer \(mine)"]).status == 200)
            #expect(try await cluster.get("/api/v1/services/\(slug)", headers: ["Authorization": "Bearer \(theirs)"]).status == 404)
            #expect(try await cluster.post("/api/v1/services/\(slug)", body: #"{"name":"Taken over"}"#, method: .PATCH,
                                           headers: ["Authorization": "Bearer \(theirs)"]).status == 404)
            let theirList = json(try await cluster.get("/api/v1/services", headers: ["Authorization": "Bearer \(theirs)"]).body)["services"] as? [Any]
            #expect(theirList?.isEmpty == true)
            let refused = try await cluster.get("/api/v1/services", headers: ["Authorization": "Bearer \(plain)"])
            #expect(refused.status == 403 && json(refused.body)["code"] as? String == "forbidden")
        }
    }

    @Test func aMembershipChangeRevokesTokensAndTakesEffectOnRefresh() async throws {
        try await withCluster { cluster in
            #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
            let (_, token) = try await admin(cluster, role: "SUPER_ADMIN")
            let auth = ["Authorization": "Bearer \(token)"]
            let member = try await login.makeAccount(cluster)
            let grant = json(try await login.login(cluster, member).body)
            let access = try #require(grant["access_token"] as? String)
            let refresh = try #require(grant["refresh_token"] as? String)
            let users = json(try await cluster.get("/api/v1/services/\(member.slug)/users?role=user", headers: auth).body)["users"] as? [[String: Any]] ?? []
            let userID = try #require(users.first { $0["username"] as? String == member.username }?["user_id"] as? String)

            let promoted = try await cluster.post("/api/v1/services/\(member.slug)/users/\(userID)", body: #"{"role":"moderator"}"#, method: .PATCH, headers: auth)
            #expect(promoted.status == 200 && json(promoted.body)["role"] as? String == "moderator", "\(promoted.body)")
            #expect(try await eventually(timeout: .seconds(1)) { try await login.verify(cluster, access).status == 401 })
            let refreshed = try await RefreshTests().refresh(cluster, refresh)
            #expect(refreshed.status == 200, "\(refreshed.body)")
            let next = try #require(json(refreshed.body)["access_token"] as? String)
            #expect(claims(next)["roles"] as? [String] == ["moderator"])
            #expect((claims(next)["permissions"] as? [String])?.contains("content.update") == true)

            let stats = json(try await cluster.get("/api/v1/services/\(member.slug)/stats", headers: auth).body)
            #expect(stats["total_users"] as? Int == 1 && stats["active_users"] as? Int == 1 && stats["new_users_today"] as? Int == 1)
            #expect(stats["login_count_today"] as? Int == 1 && (stats["popular_providers"] as? [[String: Any]])?.first?["logins"] as? Int == 1)

            let bad = try await cluster.post("/api/v1/services/\(member.slug)/users/\(userID)", body: #"{"role":"king"}"#, method: .PATCH, headers: auth)
            #expect(bad.status == 422 && json(bad.body)["field"] as? String == "role")
            // Suspended: the next refresh and sign-in are refused.
            #expect(try await cluster.post("/api/v1/services/\(member.slug)/users/\(userID)", body: #"{"status":"suspended"}"#, method: .PATCH, headers: auth).status == 200)
            #expect(try await RefreshTests().refresh(cluster, try #require(json(refreshed.body)["refresh_token"] as? String)).status == 401)
            let signIn = try await login.login(cluster, member)
            #expect(signIn.status == 403 && json(signIn.body)["code"] as? String == "access_denied")
        }
    }
}
