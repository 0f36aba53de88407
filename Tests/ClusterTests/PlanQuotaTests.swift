import Foundation
import Testing

@testable import Shared
@testable import TestSupport

/// Plans and quotas (issue 25, docs/admin.md "Plans and quotas"): a service's plan caps its
/// monthly active users; of 50 first sign-ins racing for a quota of 10 exactly 10 pass, counted
/// once each in the database; people already counted this month still sign in; only a
/// SUPER_ADMIN changes the plan, and the access token says it.
///
/// Caught on the code before: there was no plan, every sign-in passed, and no `plan` claim.
@Suite(.serialized, .timeLimit(.minutes(5))) struct PlanQuotaTests {
  @Test func aQuotaReachedByFiftyConcurrentSignInsAdmitsExactlyTheQuota() async throws {
    try await withCluster(environment: ["GATEHOUSE_PLAN_FREE_MONTHLY_ACTIVE_USERS": "10"]) { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let first = try await cluster.api.makeAccount()  // registered, never signed in: not counted yet
      var people: [Account] = []
      for _ in 0..<50 {
        let person = Account(slug: first.slug, username: TestEnvironment.uniqueName("mau"))
        #expect(try await cluster.api.register(person).status == 201)
        people.append(person)
      }
      let statuses = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
        for person in people {
          group.addTask {
            let answer = try await cluster.api.login(person)
            return (answer.status, answer.problem?.code)
          }
        }
        return try await group.reduce(into: [(Int, String?)]()) { $0.append($1) }
      }
      #expect(statuses.filter { $0.0 == 200 }.count == 10, "\(statuses)")
      #expect(statuses.filter { $0.0 == 403 && $0.1 == "quota_exceeded" }.count == 40, "\(statuses)")

      // Someone counted this month signs in again; someone new does not.
      let admitted = try #require(
        try await withThrowingTaskGroup(of: Account?.self) { group in
          for person in people { group.addTask { try await cluster.api.login(person).status == 200 ? person : nil } }
          return try await group.reduce(into: [Account]()) { if let person = $1 { $0.append(person) } }
        }.first)
      let again = try await cluster.api.login(admitted)
      #expect(again.status == 200, "\(again.body)")
      #expect(try tokenClaims(try again.decoded().accessToken).plan == "free")
      #expect(try await cluster.api.login(first).problem?.code == "quota_exceeded")

      let service = "(SELECT id FROM token.services WHERE slug = '\(first.slug)')"
      let counts = try await ownerCounts(
        cluster,
        [
          "SELECT active_users FROM token.service_usage WHERE service_id = \(service)",
          "SELECT count(*)::int FROM token.monthly_active_users WHERE service_id = \(service)",
        ])
      #expect(counts == [10, 10], "the counter and the rows agree")
      let console = try await ownerCounts(
        cluster, ["SELECT count(*)::int FROM token.services WHERE slug = 'account-console' AND plan = 'enterprise'"])
      #expect(console == [1], "the account console has no cap")

      // The service's owner (a SERVICE_ADMIN) may change its settings but not raise its plan; a
      // SUPER_ADMIN can, and the next sign-in passes.
      let (_, adminToken) = try await cluster.api.admin(role: "SUPER_ADMIN")
      _ = try await cluster.tokenAdmin(["admin", "set-platform-role", "--username", admitted.username, "--role", "SERVICE_ADMIN"])
      var owner = ServiceSettingsBody()
      owner.ownerUserID = try tokenClaims(try again.decoded().accessToken).sub
      let owned = try await cluster.api.post("/api/v1/services/\(first.slug)", owner, method: .PATCH, headers: bearer(adminToken))
      #expect(owned.status == 200, "\(owned.body)")
      let ownerToken = bearer(try await cluster.api.signIn(admitted).accessToken)
      var renamed = ServiceSettingsBody()
      renamed.name = "Renamed by its owner"
      // As the admin console's settings form sends it: every field, the status and plan unchanged.
      renamed.status = "active"
      renamed.plan = .free
      let saved = try await cluster.api.post("/api/v1/services/\(first.slug)", renamed, method: .PATCH, headers: ownerToken)
      #expect(saved.status == 200, "\(saved.body)")
      var pro = ServiceSettingsBody()
      pro.plan = .pro
      let refused = try await cluster.api.post("/api/v1/services/\(first.slug)", pro, method: .PATCH, headers: ownerToken)
      #expect(refused.status == 403 && refused.problem?.code == "forbidden", "\(refused.body)")
      let raised = try await cluster.api.post(
        "/api/v1/services/\(first.slug)", pro, as: ServiceView.self, method: .PATCH, headers: bearer(adminToken))
      #expect(raised.value?.plan == .pro, "\(raised.body)")
      let signedIn = try await cluster.api.login(first)
      #expect(signedIn.status == 200, "\(signedIn.body)")
      #expect(try tokenClaims(try signedIn.decoded().accessToken).plan == "pro")
      let stats = try await cluster.api.get(
        "/api/v1/services/\(first.slug)/stats", as: ServiceStats.self, headers: bearer(adminToken))
      #expect(stats.value?.monthlyActiveUsers == 11, "\(stats.body)")
    }
  }
}
