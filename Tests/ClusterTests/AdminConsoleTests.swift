import Foundation
import Testing

@testable import Shared
@testable import TestSupport

/// The admin console, `/admin` (docs/pages.md): the admin API's powers as pages, under its rules.
@Suite(.serialized, .timeLimit(.minutes(5))) struct AdminConsoleTests {
  /// In chromium, a SUPER_ADMIN creates a service (its secret shown once), makes a member a
  /// moderator and filters by that role, sees the charts, locks and unlocks the member's account
  /// from the users page, creates a service provider and finds the service's creation in the
  /// filtered audit log.
  @Test func aSuperAdminRunsServicesProvidersAndTheAuditLogInABrowser() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let (admin, adminToken) = try await cluster.api.admin(role: "SUPER_ADMIN")
      let settings: [String: Any] = [
        "issuer": cluster.url(""), "person": ["username": admin.username, "password": admin.password],
        "callback_url": "http://127.0.0.1:9/gatehouse/callback",
      ]
      let (status, output) = try PythonCheck.browser("admin_console.py", settings: settings, screenshots: "admin")
      try #require(status == 0, "\(output)\n\(cluster.logs)")
      for page in [
        "admin-secrets", "admin-service", "admin-service-scopes", "admin-users", "admin-user-locked", "admin-provider",
        "admin-transactions",
        "admin-transactions-all", "admin-providers",
        "admin-audit", "admin",
      ] {
        #expect(output.contains("-\(page)-phone.png") && output.contains("-\(page)-desktop.png"), "no screenshots of \(page): \(output)")
      }
      // The catalogue typed on the page is the service's, and the member holds what was granted.
      #expect(output.contains(#""granted": "orders:write""#), "\(output)")
      // The admin added their own account as a guest and moved the service to the pro plan.
      #expect(output.contains(#""plan": "pro""#) && output.contains(#""added": "\#(admin.username)""#), "\(output)")
      // The page's role change is the member's role (as the admin API reads it), with its audit row.
      let slug = try #require(output.firstMatch(of: /"service": "([a-z0-9-]+)"/)?.1).description
      let moderators = try await cluster.api.get(
        "/api/v1/services/\(slug)/users?role=moderator", as: MemberList.self, headers: bearer(adminToken))
      #expect(moderators.value?.users.map(\.username).allSatisfy { $0.hasPrefix("member_") } == true, "\(moderators.body)")
      #expect(moderators.value?.users.count == 1, "\(moderators.body)")
      #expect(moderators.value?.users.first?.scopes == ["orders:write"], "\(moderators.body)")
      #expect(moderators.value?.users.first?.permissions == ["refunds.issue"], "\(moderators.body)")
      try await withPostgres(TestEnvironment.database(owner: true)) { owner in
        let rows = try await owner.query(
          """
          SELECT count(*)::int FROM audit.events e JOIN token.services s ON s.id = e.service_id
          WHERE s.slug = \(slug) AND e.action = 'ROLE_CHANGED'
          """, logger: TestEnvironment.logger
        ).collect()
        #expect(try rows.first?.decode(Int.self) == 2, "the role change, then the grant")
        // The member's account was locked and unlocked once each, and is active again.
        let locks = try await owner.query(
          """
          SELECT (SELECT count(*)::int FROM audit.events e WHERE e.action = 'USER_LOCKED' AND e.details->>'user_id' = u.id::text),
                 (SELECT count(*)::int FROM audit.events e WHERE e.action = 'USER_UNLOCKED' AND e.details->>'user_id' = u.id::text),
                 u.is_active
          FROM token.users u
          WHERE u.username = \(try #require(output.firstMatch(of: /"locked_and_unlocked": "([a-z0-9_]+)"/)?.1).description)
          """, logger: TestEnvironment.logger
        ).collect()
        let row = try #require(locks.first).makeRandomAccess()
        #expect(try row[0].decode(Int.self) == 1 && row[1].decode(Int.self) == 1 && row[2].decode(Bool.self))
      }
    }
  }

  /// A SERVICE_ADMIN sees its own services and gets the 404 page for another's; an AUDITOR goes
  /// to the audit log and every change it tries is refused, with nothing changed.
  @Test func eachRoleGetsWhatTheAdminAPIAllowsIt() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let (owner, ownerToken) = try await cluster.api.admin(role: "SERVICE_ADMIN")
      let (other, _) = try await cluster.api.admin(role: "SERVICE_ADMIN")
      let mine = TestEnvironment.uniqueName("mine").replacingOccurrences(of: "_", with: "-")
      var settings = ServiceSettingsBody()
      settings.slug = mine
      settings.name = "Owned"
      settings.type = "web"
      let created = try await cluster.api.post("/api/v1/services", settings, headers: bearer(ownerToken))
      #expect(created.status == 201, "\(created.body)")

      let ownerBrowser = PageBrowser(cluster)
      try await ownerBrowser.signInToConsole(owner)
      let home = try await ownerBrowser.get("/admin")
      #expect(home.status == 200 && home.body.contains("data-slug=\"\(mine)\""), "\(home.status)")
      #expect(try await ownerBrowser.get("/admin/services/\(mine)").status == 200)

      let otherBrowser = PageBrowser(cluster)
      try await otherBrowser.signInToConsole(other)
      let foreign = try await otherBrowser.get("/admin/services/\(mine)")
      #expect(foreign.status == 404 && foreign.body.contains("id=\"page-error\""), "\(foreign.status)")
      let foreignChange = try await otherBrowser.post("/admin/services/\(mine)", ["name": "Taken"])
      #expect(foreignChange.status == 404, "\(foreignChange)")

      let (auditor, _) = try await cluster.api.admin(role: "USER")
      _ = try await cluster.tokenAdmin(["admin", "set-platform-role", "--username", auditor.username, "--role", "AUDITOR"])
      let auditorBrowser = PageBrowser(cluster)
      try await auditorBrowser.signInToConsole(auditor)
      let sent = try await auditorBrowser.get("/admin")
      #expect(sent.status == 303 && sent.location == "/admin/audit", "\(sent)")
      #expect(try await auditorBrowser.get("/admin/audit").status == 200)
      let bad = try await auditorBrowser.get("/admin/audit?from=yesterday")
      #expect(bad.status == 422 && bad.body.contains("id=\"page-error\""), "\(bad.status)")
      for (path, form) in [("/admin/services", ["slug": "audited", "name": "No"]), ("/admin/services/\(mine)", ["name": "No"])] {
        let refused = try await auditorBrowser.post(path, form)
        #expect([303, 403, 404].contains(refused.status), "\(path): \(refused)")
        #expect(refused.location?.contains("done=") != true, "\(path): \(refused)")
      }
      #expect(try await auditorBrowser.get("/admin/service-providers").status == 403)
      // The users pages: an auditor reads an account but has nothing to press, and a lock it
      // forges is refused; a SERVICE_ADMIN does not see accounts across services.
      let ownerID = try tokenClaims(ownerToken).sub
      let account = try await auditorBrowser.get("/admin/users/\(ownerID)")
      #expect(
        account.status == 200 && account.body.contains("id=\"user-facts\"") && !account.body.contains("lock-form"), "\(account.status)")
      let forgedLock = try await auditorBrowser.post("/admin/users/\(ownerID)/lock", [:])
      #expect(forgedLock.location == "/admin/users/\(ownerID)?problem=forbidden", "\(forgedLock)")
      #expect(try await auditorBrowser.get("/admin/users?q=%00%FF&limit=x").status == 422)
      #expect(try await ownerBrowser.get("/admin/users").status == 403)
      #expect(try await auditorBrowser.get("/admin/users/not-an-id").status == 404)
      let unchanged = try await cluster.api.get("/api/v1/services/\(mine)", as: ServiceView.self, headers: bearer(ownerToken))
      #expect(unchanged.value?.name == "Owned", "\(unchanged.body)")
    }
  }

  /// A provider's transactions by status and day, on the page and through the API, with the
  /// person's phone number masked; a filter that names no status is a 422, never a 500.
  @Test func anAdminFiltersAProvidersTransactions() async throws {
    try await IdPTests().withReadyCluster { cluster, receiver in
      let sp = try await cluster.api.makeSP(callback: receiver.url)
      let person = try await cluster.api.makePerson()
      for pin in [person.pin, "000000", person.pin] {
        let id = try await cluster.api.request(sp, person)
        _ = try await cluster.api.confirm(person, id, pin: pin)
      }
      let (admin, adminToken) = try await cluster.api.admin(role: "SUPER_ADMIN")
      let failed = try await cluster.api.get(
        "/api/v1/idp/service-providers/\(sp.clientID)/transactions?status=failed", as: TransactionList.self, headers: bearer(adminToken))
      #expect(failed.value?.transactions.map(\.status) == [.failed], "\(failed.body)")
      let masked = try #require(failed.value?.transactions.first?.maskedPhoneNumber)
      #expect(masked.contains("****") && masked.hasSuffix(String(person.phone.suffix(4))) && masked != person.phone, "\(masked)")
      #expect(!failed.body.contains(person.phone))
      let odd = try await cluster.api.get(
        "/api/v1/idp/service-providers/\(sp.clientID)/transactions?status=maybe", as: TransactionList.self, headers: bearer(adminToken))
      #expect(odd.status == 422 && odd.problem?.field == "status", "\(odd.body)")

      let browser = PageBrowser(cluster)
      try await browser.signInToConsole(admin)
      // The days the transactions were made on, as the API says (so a run across UTC midnight holds).
      let made = try await cluster.api.get(
        "/api/v1/idp/service-providers/\(sp.clientID)/transactions", as: TransactionList.self, headers: bearer(adminToken)
      ).decoded().transactions.map { String(InternetTime.format($0.createdAt).prefix(10)) }.sorted()
      let (first, last) = (try #require(made.first), try #require(made.last))
      let page = try await browser.get("/admin/service-providers/\(sp.clientID)/transactions?status=COMPLETED&from=\(first)&to=\(last)")
      #expect(page.status == 200 && page.body.components(separatedBy: "data-status=\"COMPLETED\"").count - 1 == 2, "\(page.status)")
      #expect(!page.body.contains("data-status=\"FAILED\"") && !page.body.contains(person.phone))
      let tomorrow = try await browser.get("/admin/service-providers/\(sp.clientID)/transactions?from=2099-01-01")
      #expect(tomorrow.status == 200 && tomorrow.body.contains("id=\"no-transactions\""), "\(tomorrow.status)")
      let bad = try await browser.get("/admin/service-providers/\(sp.clientID)/transactions?from=soon")
      #expect(bad.status == 422, "\(bad.status)")

      // Across providers: a second provider's request is listed with the first's, each row
      // naming its provider, newest first; filtered by provider, only that one's. A
      // SERVICE_ADMIN who owns neither sees none of them.
      let other = try await cluster.api.makeSP(callback: receiver.url)
      let latest = try await cluster.api.request(other, person)
      let across = try await cluster.api.get("/api/v1/idp/transactions?limit=100", as: TransactionList.self, headers: bearer(adminToken))
      let rows = try across.decoded().transactions
      #expect(rows.first?.transactionID == latest && rows.first?.serviceProvider == other.clientID, "\(across.body)")
      #expect(rows.filter { $0.serviceProvider == sp.clientID }.count == 3, "\(across.body)")
      #expect(rows.map(\.createdAt) == rows.map(\.createdAt).sorted(by: >))
      let one = try await cluster.api.get(
        "/api/v1/idp/transactions?service_provider=\(other.clientID)", as: TransactionList.self, headers: bearer(adminToken))
      #expect(try one.decoded().transactions.map(\.transactionID) == [latest], "\(one.body)")
      let (_, serviceAdmin) = try await cluster.api.admin(role: "SERVICE_ADMIN")
      let none = try await cluster.api.get("/api/v1/idp/transactions", as: TransactionList.self, headers: bearer(serviceAdmin))
      #expect(none.status == 200 && none.value?.transactions.isEmpty == true, "\(none.body)")
      let all = try await browser.get("/admin/transactions?service_provider=\(other.clientID)")
      #expect(
        all.status == 200 && all.body.contains("data-provider=\"\(other.clientID)\"")
          && !all.body.contains("data-provider=\"\(sp.clientID)\""))
      #expect(all.body.contains("<option value=\"\(other.clientID)\" selected>"), "\(all.status)")

      // The person's account page shows their phone number masked, as the transactions do.
      let personPage = try await browser.get("/admin/users/\(try tokenClaims(person.token).sub)")
      #expect(personPage.status == 200 && personPage.body.contains("<code>\(masked)</code>"), "\(personPage.status)")
      #expect(!personPage.body.contains(person.phone))
    }
  }
}
