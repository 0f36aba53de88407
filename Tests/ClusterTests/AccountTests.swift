import Foundation
import PostgresNIO
import Testing
@testable import Shared
@testable import TestSupport

/// A signed-in user changing their own profile and password, through the real gateway and token-service.
@Suite(.serialized, .timeLimit(.minutes(5))) struct AccountTests {
    let login = LoginTests()

    @Test func usersChangeTheirProfileButNotTheirNameOrAddressThere() async throws {
        try await withCluster { cluster in
            #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
            let account = try await cluster.api.makeAccount()
            let token = try #require(json(try await cluster.api.login(account).body)["access_token"] as? String)
            let auth = ["Authorization": "Bearer \(token)"]

            let changed = try await cluster.post("/api/v1/users/me", body: #"{"first_name":"Ada","last_name":"Lovelace","preferred_language":"en-GB","marketing_consent":true}"#, method: .PATCH, headers: auth)
            #expect(changed.status == 200, "\(changed.body)")
            let profile = json(changed.body)
            #expect(profile["full_name"] as? String == "Ada Lovelace" && profile["preferred_language"] as? String == "en-GB")
            #expect(profile["marketing_consent"] as? Bool == true)
            // Only what is sent changes.
            let partly = json(try await cluster.post("/api/v1/users/me", body: #"{"last_name":"King"}"#, method: .PATCH, headers: auth).body)
            #expect(partly["full_name"] as? String == "Ada King" && partly["preferred_language"] as? String == "en-GB")
            #expect(json(try await cluster.get("/api/v1/users/me", headers: auth).body)["full_name"] as? String == "Ada King")

            for (body, field) in [(#"{"email":"new@example.com"}"#, "email"), (#"{"username":"other"}"#, "username"),
                                  (#"{"preferred_language":"english!"}"#, "preferred_language"), (#"{"marketing_consent":"yes"}"#, "marketing_consent")] {
                let refused = try await cluster.post("/api/v1/users/me", body: body, method: .PATCH, headers: auth)
                #expect(refused.status == 422 && json(refused.body)["field"] as? String == field, "\(body): \(refused.body)")
            }
            #expect(try await cluster.post("/api/v1/users/me", body: #"{"first_name":"X"}"#, method: .PATCH).status == 401)
            try await withPostgres(TestEnvironment.database(owner: true)) { owner in
                let rows = try await owner.query("""
                    SELECT count(*)::int FROM audit.events e JOIN token.users u ON u.id = e.actor_user_id
                    WHERE u.username = \(account.username) AND e.action = 'PROFILE_UPDATED'
                    """, logger: TestEnvironment.logger).collect()
                #expect(try rows.first?.decode(Int.self) == 2)
            }
        }
    }

    @Test func aPasswordChangeEndsEveryOtherSessionAndKeepsThisOne() async throws {
        try await withCluster { cluster in
            #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
            let account = try await cluster.api.makeAccount()
            let here = json(try await cluster.api.login(account).body)
            let elsewhere = json(try await cluster.api.login(account).body)
            let hereAccess = try #require(here["access_token"] as? String)
            let auth = ["Authorization": "Bearer \(hereAccess)"]
            func change(_ current: String, _ new: String) async throws -> (status: Int, headers: [String: String], body: String) {
                try await cluster.post("/api/v1/users/me/password", body: #"{"current_password":"\#(current)","new_password":"\#(new)"}"#, headers: auth)
            }

            // Only from a first-party service (issue 27; caught on the code before: any service's token changed it).
            let thirdParty = try await change(account.password, "brand new pass 2")
            #expect(thirdParty.status == 403 && json(thirdParty.body)["code"] as? String == "first_party_required", "\(thirdParty.body)")
            try await cluster.api.firstParty(token: hereAccess)
            let wrong = try await change("not my password 1", "brand new pass 2")
            #expect(wrong.status == 403 && json(wrong.body)["code"] as? String == "invalid_current_password", "\(wrong.body)")
            let weak = try await change(account.password, "short")
            #expect(weak.status == 422 && json(weak.body)["field"] as? String == "new_password")
            let same = try await change(account.password, account.password)
            #expect(same.status == 422)

            let changed = try await change(account.password, "brand new pass 2")
            #expect(changed.status == 200, "\(changed.body)")
            let answer = json(changed.body)
            #expect(answer["sessions_ended"] as? Int == 1)
            let fresh = try #require(answer["access_token"] as? String)

            // Every access token issued before is refused at the gateway within a second; the new one works.
            #expect(try await eventually(timeout: propagationLimit) { try await cluster.api.verify(hereAccess).status == 401 })
            #expect(try await cluster.api.verify(try #require(elsewhere["access_token"] as? String)).status == 401)
            #expect(try await cluster.get("/api/v1/users/me", headers: ["Authorization": "Bearer \(fresh)"]).status == 200)
            // The other session is over; this one refreshes on.
            #expect(try await cluster.api.refresh(try #require(elsewhere["refresh_token"] as? String)).status == 401)
            let refreshed = try await cluster.api.refresh(try #require(here["refresh_token"] as? String))
            #expect(refreshed.status == 200, "\(refreshed.body)")
            #expect(try await cluster.api.verify(try #require(json(refreshed.body)["access_token"] as? String)).status == 200)

            #expect(try await cluster.api.login(account).status == 401)
            #expect(try await cluster.api.login(account, password: "brand new pass 2").status == 200)
            try await withPostgres(TestEnvironment.database(owner: true)) { owner in
                let rows = try await owner.query("""
                    SELECT (SELECT count(*)::int FROM audit.events e WHERE e.actor_user_id = u.id AND e.action = 'PASSWORD_CHANGED'),
                           (SELECT count(*)::int FROM audit.events e WHERE e.actor_user_id = u.id AND e.action = 'USER_LOGIN_FAILED')
                    FROM token.users u WHERE u.username = \(account.username)
                    """, logger: TestEnvironment.logger).collect()
                let (changes, failures) = try #require(rows.first).decode((Int, Int).self)
                // The wrong current password counted towards the lock-out, like a failed sign-in.
                #expect(changes == 1 && failures == 2)
            }
        }
    }
}
