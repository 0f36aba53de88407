import Foundation
import Testing

@testable import Shared
@testable import TestSupport

/// Adding people to a service (issue 25, docs/admin.md "Members"): a service that takes no
/// registrations gains members only through an admin, who adds an existing account or makes a
/// new one with a role; of many adds of one account at once exactly one succeeds.
///
/// Caught on the code before: `POST /api/v1/services/{slug}/users` did not exist (404), so a
/// service with `auto_create_user` off could never gain a member.
@Suite(.serialized, .timeLimit(.minutes(5))) struct ServiceMembersTests {
  @Test func anAdminAddsExistingAndNewAccountsToAClosedService() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let (_, adminToken) = try await cluster.api.admin(role: "SUPER_ADMIN")
      let admin = bearer(adminToken)
      let closed = try await cluster.api.makeAccount()  // its own first member, a plain user
      var settings = ServiceSettingsBody()
      settings.autoCreateUser = false
      let patched = try await cluster.api.post("/api/v1/services/\(closed.slug)", settings, method: .PATCH, headers: admin)
      #expect(patched.status == 200, "\(patched.body)")
      let users = "/api/v1/services/\(closed.slug)/users"

      // A new account with a role of its own; it signs in to the service at once.
      let name = TestEnvironment.uniqueName("mina")
      let created = try await cluster.api.post(
        users, NewMemberBody(username: name, email: "\(name)@example.com", password: "a member's passphrase", role: "content_manager"),
        as: MemberView.self, headers: admin)
      #expect(created.status == 201 && created.value?.role == "content_manager", "\(created.body)")
      let signedIn = try await cluster.api.login(Account(slug: closed.slug, username: name), password: "a member's passphrase")
      #expect(signedIn.status == 200, "\(signedIn.body)")
      #expect(try tokenClaims(try signedIn.decoded().accessToken).roles == ["content_manager"])

      // An account of another service: refused at sign-in until added, by address.
      let outsider = try await cluster.api.makeAccount()
      #expect(try await cluster.api.login(Account(slug: closed.slug, username: outsider.username)).status == 403)
      let adds = try await withThrowingTaskGroup(of: Int.self) { group in
        for _ in 0..<20 {
          group.addTask {
            try await cluster.api.post(users, NewMemberBody(email: "\(outsider.username)@EXAMPLE.com"), headers: admin).status
          }
        }
        return try await group.reduce(into: [Int]()) { $0.append($1) }
      }
      #expect(adds.sorted() == [201] + Array(repeating: 409, count: 19), "\(adds)")
      #expect(try await cluster.api.login(Account(slug: closed.slug, username: outsider.username)).status == 200)

      // Refusals: a weak password, nobody with that address, a role that does not exist, and a
      // member without user.create.
      let weak = try await cluster.api.post(
        users, NewMemberBody(username: TestEnvironment.uniqueName("lee"), email: "x\(name)@example.com", password: "password123"),
        headers: admin)
      #expect(weak.status == 422 && weak.problem?.code == "weak_password", "\(weak.body)")
      let nobody = try await cluster.api.post(users, NewMemberBody(email: "nobody-\(name)@example.com"), headers: admin)
      #expect(nobody.status == 404 && nobody.problem?.code == "account_not_found", "\(nobody.body)")
      let badRole = try await cluster.api.post(
        users, NewMemberBody(email: "\(outsider.username)@example.com", role: "king"), headers: admin)
      #expect(badRole.status == 422, "\(badRole.body)")
      let member = bearer(try await cluster.api.signIn(closed).accessToken)
      let forbidden = try await cluster.api.post(users, NewMemberBody(email: "\(name)@example.com"), headers: member)
      #expect(forbidden.status == 403, "\(forbidden.body)")

      let counts = try await ownerCounts(
        cluster,
        [
          """
          SELECT count(*)::int FROM audit.events e JOIN token.users u ON u.id::text = e.details->>'user_id'
          WHERE e.action = 'MEMBER_ADDED' AND u.username = '\(outsider.username)'
          """,
          "SELECT count(*)::int FROM audit.events WHERE action = 'USER_CREATED' AND details->>'username' = '\(name)'",
        ])
      // One audit row each: the twenty adds of the outsider wrote one (memberships are behind
      // row-level security; the sign-ins above showed who is a member).
      #expect(counts == [1, 1], "the outsider added, the new account made")
    }
  }
}
