import Foundation
import Testing

@testable import Shared
@testable import TestSupport

/// What a person agreed to, by version and time (issue 25, docs/accounts.md "Agreements"):
/// registering accepts the deployment's current terms and privacy policy (and marketing when
/// asked); marketing is withdrawn and allowed again, through its own route or the profile's
/// `marketing_consent`, each change audited; the terms are never withdrawn but by leaving.
///
/// Caught on the code before: `/api/v1/users/me/agreements` did not exist (404), and nothing
/// recorded which terms a person had accepted, or when.
@Suite(.serialized, .timeLimit(.minutes(5))) struct AgreementsTests {
  @Test func registrationRecordsTheVersionsAndMarketingIsWithdrawnAndAllowedAgain() async throws {
    let versions = ["GATEHOUSE_TERMS_VERSION": "2026-12", "GATEHOUSE_PRIVACY_VERSION": "2026-11"]
    try await withCluster(environment: versions) { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let service = try await cluster.api.makeAccount()
      let name = TestEnvironment.uniqueName("agree")
      let registered = try await cluster.api.register(
        RegisterBody(
          service: service.slug, username: name, email: "\(name)@example.com", password: Account.password, marketingConsent: true))
      #expect(registered.status == 201, "\(registered.body)")
      let auth = bearer(try await cluster.api.signIn(Account(slug: service.slug, username: name)).accessToken)
      func agreements() async throws -> [String: AgreementView] {
        let list = try await cluster.api.get("/api/v1/users/me/agreements", as: AgreementList.self, headers: auth).decoded()
        return Dictionary(list.agreements.map { ($0.kind, $0) }) { first, _ in first }
      }
      var now = try await agreements()
      #expect(now["terms"]?.version == "2026-12" && now["privacy"]?.version == "2026-11" && now["marketing"]?.version == "1")
      #expect(now.values.allSatisfy { $0.current && $0.withdrawnAt == nil }, "\(now)")

      let withdrawn = try await cluster.api.post(
        "/api/v1/users/me/agreements/marketing", AgreementBody(accepted: false), method: .PUT, headers: auth)
      #expect(withdrawn.status == 200, "\(withdrawn.body)")
      now = try await agreements()
      #expect(now["marketing"]?.withdrawnAt != nil)
      #expect(try await cluster.api.get("/api/v1/users/me", as: Profile.self, headers: auth).decoded().marketingConsent == false)

      // The profile's flag is the same agreement.
      let allowed = try await cluster.api.post(
        "/api/v1/users/me", ProfileChanges(marketingConsent: true), method: .PATCH, headers: auth)
      #expect(allowed.status == 200, "\(allowed.body)")
      #expect(try await agreements()["marketing"]?.withdrawnAt == nil)

      let terms = try await cluster.api.post(
        "/api/v1/users/me/agreements/terms", AgreementBody(accepted: false), method: .PUT, headers: auth)
      #expect(terms.status == 422 && terms.problem?.field == "accepted", "\(terms.body)")
      let unknown = try await cluster.api.post(
        "/api/v1/users/me/agreements/cookies", AgreementBody(accepted: true), method: .PUT, headers: auth)
      #expect(unknown.status == 422, "\(unknown.body)")

      let user = "(SELECT id FROM token.users WHERE username = '\(name)')"
      let counts = try await ownerCounts(
        cluster,
        [
          "SELECT count(*)::int FROM token.agreements WHERE user_id = \(user)",
          "SELECT count(*)::int FROM audit.events WHERE actor_user_id = \(user) AND action = 'AGREEMENT_WITHDRAWN'",
        ])
      #expect(counts == [3, 1], "three agreements, one withdrawal audited")
    }
  }
}
