import Foundation
import Testing

@testable import Shared
@testable import TestSupport

/// Scopes per service (issue 25, docs/oidc.md "A service's own scopes"): a catalogue with Korean
/// and English words, default and required scopes, and what one member is granted besides, all
/// the way to the access token and the consent page.
///
/// Caught on the code before: `scope_catalogue` was ignored, every token said only
/// `openid profile email`, and a member could be granted nothing of their own.
@Suite(.serialized, .timeLimit(.minutes(5))) struct ServiceScopeTests {
  static let catalogue = [
    ServiceScope(name: "orders:read", descriptionKo: "주문 내역 보기", descriptionEn: "See your orders", isDefault: true),
    ServiceScope(name: "orders:write", descriptionKo: "주문하기", descriptionEn: "Place orders"),
    ServiceScope(name: "audit:export", descriptionKo: "감사 기록 내보내기", descriptionEn: "Export the audit trail", isRequired: true),
  ]

  func patch(_ cluster: Cluster, _ slug: String, _ settings: ServiceSettingsBody, _ token: String) async throws -> Answer<ServiceView> {
    try await cluster.api.post("/api/v1/services/\(slug)", settings, as: ServiceView.self, method: .PATCH, headers: bearer(token))
  }

  @Test func aMembersTokenCarriesTheDefaultsAndWhatTheyWereGranted() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let account = try await cluster.api.makeAccount()
      let other = Account(slug: account.slug, username: TestEnvironment.uniqueName("bo"))
      #expect(try await cluster.api.register(other).status == 201)
      let (_, admin) = try await cluster.api.admin(role: "SUPER_ADMIN")

      // A catalogue that names a scope twice, or has no English words, changes nothing.
      var twice = ServiceSettingsBody()
      twice.scopeCatalogue = [Self.catalogue[0], Self.catalogue[0]]
      let refused = try await patch(cluster, account.slug, twice, admin)
      #expect(refused.status == 422 && refused.problem?.field == "scope_catalogue", "\(refused.body)")
      var wordless = ServiceSettingsBody()
      wordless.scopeCatalogue = [ServiceScope(name: "orders:read", descriptionKo: "주문", descriptionEn: " ")]
      #expect(try await patch(cluster, account.slug, wordless, admin).status == 422)

      var settings = ServiceSettingsBody()
      settings.scopeCatalogue = Self.catalogue
      let set = try await patch(cluster, account.slug, settings, admin)
      #expect(set.status == 200, "\(set.body)")
      // As stored: a required scope is default too.
      let stored = Self.catalogue.map { scope in
        var scope = scope
        scope.isDefault = scope.isDefault || scope.isRequired
        return scope
      }
      #expect(try set.decoded().scopeCatalogue == stored && set.decoded().scopes == Self.catalogue.map(\.name), "\(set.body)")

      // Everyone holds the defaults (a required scope is one).
      let before = try tokenClaims(try await cluster.api.signIn(account).accessToken)
      #expect(before.scope == "openid profile email orders:read audit:export", "\(before.scope)")

      // One member is granted orders:write and a permission of their own.
      let id = before.sub
      let unknown = try await cluster.api.post(
        "/api/v1/services/\(account.slug)/users/\(id)", MemberChanges(role: nil, status: nil, scopes: ["orders:delete"]),
        as: MemberView.self, method: .PATCH, headers: bearer(admin))
      #expect(unknown.status == 422 && unknown.problem?.field == "scopes", "\(unknown.body)")
      let granted = try await cluster.api.post(
        "/api/v1/services/\(account.slug)/users/\(id)",
        MemberChanges(role: nil, status: nil, scopes: ["orders:write"], permissions: ["refunds.issue"]),
        as: MemberView.self, method: .PATCH, headers: bearer(admin))
      #expect(granted.status == 200, "\(granted.body)")
      #expect(try granted.decoded().scopes == ["orders:write"] && granted.decoded().permissions == ["refunds.issue"])

      let signedIn = try await cluster.api.signIn(account)
      let after = try tokenClaims(signedIn.accessToken)
      #expect(after.scope == "openid profile email orders:read orders:write audit:export", "\(after.scope)")
      #expect(after.permissions.contains("refunds.issue"), "\(after.permissions)")
      // A refresh says the same; the other member holds only the defaults.
      let refreshed = try await cluster.api.refresh(try #require(signedIn.refreshToken)).decoded()
      #expect(try tokenClaims(refreshed.accessToken).scope == after.scope)
      let theirs = try tokenClaims(try await cluster.api.signIn(other).accessToken)
      #expect(theirs.scope == "openid profile email orders:read audit:export" && !theirs.permissions.contains("refunds.issue"))
    }
  }

  /// A relying party (authlib) asks for `orders:write` of a third-party service: the consent page
  /// names the catalogue's scopes in the reader's language, adds the required one (and no
  /// default one), and a member
  /// who was not granted orders:write gets a token without it.
  @Test func theConsentPageSaysTheCataloguesWordsAndTheTokenOnlyWhatIsHeld() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let client = try await cluster.api.makeOpenIDClient()
      let (_, admin) = try await cluster.api.admin(role: "SUPER_ADMIN")
      var settings = ServiceSettingsBody()
      settings.scopeCatalogue = Self.catalogue
      #expect(try await patch(cluster, client.slug, settings, admin).status == 200)

      let screens = TestEnvironment.runDirectory.appendingPathComponent("consent-\(UUID().uuidString.prefix(8))")
      try FileManager.default.createDirectory(at: screens, withIntermediateDirectories: true)
      let run = try cluster.relyingParty(
        "authlib", client, scope: "openid orders:write", extra: ["--screens", screens.path, "--param", "ui_locales=ko"])
      #expect(run.status == 0, "\(run.output)")
      let consent = try FileManager.default.contentsOfDirectory(atPath: screens.path).filter { $0.hasSuffix("-consent.html") }
      let html = try String(contentsOf: screens.appendingPathComponent(try #require(consent.first, "\(run.pages)")), encoding: .utf8)
      for words in ["주문하기", "감사 기록 내보내기"] { #expect(html.contains(words), "\(words) not on the consent page") }
      #expect(!html.contains("주문 내역 보기"), "a default scope the client did not ask for is not asked for")

      // Asked for and consented to, but not held: the token leaves it out and says so.
      let scope = try #require((run.json["token_response"] as? [String: Any])?["scope"] as? String)
      #expect(scope == "openid audit:export", "\(scope)")
    }
  }
}
