import Foundation
import PostgresNIO
import Testing

@testable import Shared
@testable import TestSupport

/// A service provider's plan limits the verification requests it opens each month (issue 25,
/// docs/admin.md, "Plans and quotas"), counted atomically in `idp.open_request`.
///
/// Caught on the code before: every one of the 50 requests was opened (an SP had no plan).
@Suite(.serialized, .timeLimit(.minutes(5))) struct VerificationQuotaTests {
  @Test func fiftyConcurrentRequestsOpenExactlyThePlansQuotaAndTheOperatorRaisesIt() async throws {
    let environment = ["GATEHOUSE_PLAN_FREE_MONTHLY_VERIFICATIONS": "5", "GATEHOUSE_IDP_MAX_PENDING": "100"]
    try await withCluster(environment: environment) { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let sp = try await cluster.api.makeSP(callback: "http://127.0.0.1:9/callback")
      let person = try await cluster.api.makePerson()
      let answers = try await withThrowingTaskGroup(of: Answer<VerificationStatus>.self) { group in
        for _ in 0..<50 {
          group.addTask {
            try await cluster.api.post(
              "/api/v1/idp/requests", VerificationRequestBody(userPhoneNumber: person.phone, purpose: "Age check"),
              as: VerificationStatus.self, headers: sp.auth)
          }
        }
        return try await group.reduce(into: []) { $0.append($1) }
      }
      let statuses = answers.map(\.status)
      #expect(statuses.filter { $0 == 201 }.count == 5, "\(statuses)")
      #expect(statuses.filter { $0 == 403 }.count == 45, "\(statuses)")
      let refused = try #require(answers.first { $0.status == 403 })
      #expect(refused.problem?.code == "quota_exceeded" && refused.problem?.title == "Monthly verifications reached", "\(refused.body)")

      // What the database holds agrees, and the SP sees its month in its statistics.
      let stored = try await ownerCounts(
        cluster,
        [
          "SELECT count(*)::int FROM idp.transactions t JOIN idp.service_providers s ON s.id = t.sp_id WHERE s.client_id = '\(sp.clientID)'",
          "SELECT m.requests FROM idp.monthly_verifications m JOIN idp.service_providers s ON s.id = m.sp_id WHERE s.client_id = '\(sp.clientID)'",
        ])
      #expect(stored == [5, 5], "\(stored)")
      let month = try await cluster.api.get("/api/v1/idp/stats", as: Statistics.self, headers: sp.auth).decoded().month
      #expect(month.plan == .free && month.requests == 5 && month.limit == 5, "\(month)")

      // The operator moves it to pro (1,000 a month): it asks again, audited.
      let command = try cluster.start("idp-service", arguments: ["admin", "plan", "--client-id", sp.clientID, "--plan", "pro"])
      #expect(await command.waitForExit(timeout: .seconds(30)) == 0, "\(command.log)")
      #expect(
        try await eventually(timeout: .seconds(5)) {
          try await cluster.api.post(
            "/api/v1/idp/requests", VerificationRequestBody(userPhoneNumber: person.phone, purpose: "Age check"),
            as: VerificationStatus.self, headers: sp.auth
          ).status == 201
        })
      let raised = try await cluster.api.get("/api/v1/idp/stats", as: Statistics.self, headers: sp.auth).decoded().month
      #expect(raised.plan == .pro && raised.requests == 6 && raised.limit == 1_000, "\(raised)")
      let audited = try await ownerCounts(
        cluster, ["SELECT count(*)::int FROM audit.events WHERE action = 'SERVICE_PROVIDER_PLAN_CHANGED' AND client_id = '\(sp.clientID)'"])
      #expect(audited == [1])
    }
  }
}
