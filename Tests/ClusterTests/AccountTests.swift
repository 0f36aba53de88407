import Foundation
import PostgresNIO
import Testing

@testable import Shared
@testable import TestSupport

/// A signed-in user changing their own profile and password, through the real gateway and token-service.
@Suite(.serialized, .timeLimit(.minutes(5))) struct AccountTests {
  @Test func usersChangeTheirProfileButNotTheirNameOrAddressThere() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let account = try await cluster.api.makeAccount()
      let token = try await cluster.api.signIn(account).accessToken
      let auth = bearer(token)

      let changes = ProfileChanges(firstName: "Ada", lastName: "Lovelace", preferredLanguage: "en-GB", marketingConsent: true)
      let changed = try await cluster.api.post("/api/v1/users/me", changes, as: Profile.self, method: .PATCH, headers: auth)
      #expect(changed.status == 200, "\(changed.body)")
      let profile = try changed.decoded()
      #expect(profile.fullName == "Ada Lovelace" && profile.preferredLanguage == "en-GB")
      #expect(profile.marketingConsent == true)
      // Only what is sent changes.
      let partly = try await cluster.api.post(
        "/api/v1/users/me", ProfileChanges(lastName: "King"), as: Profile.self, method: .PATCH,
        headers: auth
      ).decoded()
      #expect(partly.fullName == "Ada King" && partly.preferredLanguage == "en-GB")
      #expect(try await cluster.api.get("/api/v1/users/me", as: Profile.self, headers: auth).value?.fullName == "Ada King")

      // Raw bodies: fields a client may not change, a malformed language, a consent of the wrong type.
      for (body, field) in [
        (#"{"email":"new@example.com"}"#, "email"), (#"{"username":"other"}"#, "username"),
        (#"{"preferred_language":"english!"}"#, "preferred_language"), (#"{"marketing_consent":"yes"}"#, "marketing_consent"),
      ] {
        let refused = Answer<Profile>(try await cluster.post("/api/v1/users/me", body: body, method: .PATCH, headers: auth))
        #expect(refused.status == 422 && refused.problem?.field == field, "\(body): \(refused.body)")
      }
      #expect(try await cluster.api.post("/api/v1/users/me", ProfileChanges(firstName: "X"), method: .PATCH).status == 401)
      try await withPostgres(TestEnvironment.database(owner: true)) { owner in
        let rows = try await owner.query(
          """
          SELECT count(*)::int FROM audit.events e JOIN token.users u ON u.id = e.actor_user_id
          WHERE u.username = \(account.username) AND e.action = 'PROFILE_UPDATED'
          """, logger: TestEnvironment.logger
        ).collect()
        #expect(try rows.first?.decode(Int.self) == 2)
      }
    }
  }

  @Test func aPasswordChangeEndsEveryOtherSessionAndKeepsThisOne() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let account = try await cluster.api.makeAccount()
      let here = try await cluster.api.signIn(account)
      let elsewhere = try await cluster.api.signIn(account)
      let hereAccess = here.accessToken
      let auth = bearer(hereAccess)
      func change(_ current: String, _ new: String) async throws -> Answer<PasswordChanged> {
        try await cluster.api.post(
          "/api/v1/users/me/password", PasswordChangeBody(currentPassword: current, newPassword: new),
          as: PasswordChanged.self, headers: auth)
      }

      // Only from a first-party service (issue 27; caught on the code before: any service's token changed it).
      let thirdParty = try await change(account.password, "brand new pass 2")
      #expect(thirdParty.status == 403 && thirdParty.problem?.code == "first_party_required", "\(thirdParty.body)")
      try await cluster.api.firstParty(token: hereAccess)
      let wrong = try await change("not my password 1", "brand new pass 2")
      #expect(wrong.status == 403 && wrong.problem?.code == "invalid_current_password", "\(wrong.body)")
      let weak = try await change(account.password, "short")
      #expect(weak.status == 422 && weak.problem?.field == "new_password")
      let same = try await change(account.password, account.password)
      #expect(same.status == 422)

      let changed = try await change(account.password, "brand new pass 2")
      #expect(changed.status == 200, "\(changed.body)")
      let answer = try changed.decoded()
      #expect(answer.sessionsEnded == 1)
      let fresh = answer.accessToken

      // Every access token issued before is refused at the gateway within a second; the new one works.
      #expect(try await eventually(timeout: propagationLimit) { try await cluster.api.verify(hereAccess).status == 401 })
      #expect(try await cluster.api.verify(elsewhere.accessToken).status == 401)
      #expect(try await cluster.api.get("/api/v1/users/me", headers: bearer(fresh)).status == 200)
      // The other session is over; this one refreshes on.
      #expect(try await cluster.api.refresh(try #require(elsewhere.refreshToken)).status == 401)
      let refreshed = try await cluster.api.refresh(try #require(here.refreshToken))
      #expect(refreshed.status == 200, "\(refreshed.body)")
      #expect(try await cluster.api.verify(try refreshed.decoded().accessToken).status == 200)

      #expect(try await cluster.api.login(account).status == 401)
      #expect(try await cluster.api.login(account, password: "brand new pass 2").status == 200)
      try await withPostgres(TestEnvironment.database(owner: true)) { owner in
        let rows = try await owner.query(
          """
          SELECT (SELECT count(*)::int FROM audit.events e WHERE e.actor_user_id = u.id AND e.action = 'PASSWORD_CHANGED'),
                 (SELECT count(*)::int FROM audit.events e WHERE e.actor_user_id = u.id AND e.action = 'USER_LOGIN_FAILED')
          FROM token.users u WHERE u.username = \(account.username)
          """, logger: TestEnvironment.logger
        ).collect()
        let (changes, failures) = try #require(rows.first).decode((Int, Int).self)
        // The wrong current password counted towards the lock-out, like a failed sign-in.
        #expect(changes == 1 && failures == 2)
      }
    }
  }
}
