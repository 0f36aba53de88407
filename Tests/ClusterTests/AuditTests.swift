import Foundation
import PostgresNIO
import Testing

@testable import Shared
@testable import TestSupport

/// The audit log's hash chains, checked by `token-service admin verify-audit`.
// Each test at most 5 minutes (it takes seconds): one hung await fails its test instead of stopping CI.
@Suite(.serialized, .timeLimit(.minutes(5))) struct AuditTests {
  func verify(_ cluster: Cluster) async throws -> (status: Int32?, output: String) {
    let process = try cluster.start("token-service", arguments: ["admin", "verify-audit"])
    let status = await process.waitForExit(timeout: .seconds(30))
    return (status, process.log)
  }

  @Test func concurrentWritersKeepIntactChainsAndAnEditedRowIsReported() async throws {
    try await withFreshDatabase { database in
      try await withCluster(database: database) { cluster in
        #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
        let account = try await cluster.api.makeAccount()
        // Many transactions at once, each writing audit rows.
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
          for _ in 0..<30 { group.addTask { try await cluster.api.login(account).status } }
          return try await group.reduce(into: []) { $0.append($1) }
        }
        // An answer thrown away could have been a 500 that wrote nothing. One account from one
        // address has at most five attempts in flight (issue 27), so some are 423; each 200 wrote its row.
        #expect(statuses.allSatisfy { $0 == 200 || $0 == 423 } && statuses.contains(200), "\(statuses)")
        let written = try await withPostgres(TestEnvironment.database(owner: true, name: database)) { owner in
          try await owner.query(
            """
            SELECT count(*)::int FROM audit.events e JOIN token.users u ON u.id = e.actor_user_id
            WHERE u.username = \(account.username) AND e.action = 'USER_LOGIN'
            """, logger: TestEnvironment.logger
          ).collect().first?.decode(Int.self)
        }
        #expect(written == statuses.filter { $0 == 200 }.count)
        // A backend remembers its chain's head between inserts; rows rolled back, whole
        // transactions or savepoints, must leave no trace in what it remembers.
        try await withPostgres(TestEnvironment.database(name: database)) { app in
          try await app.withConnection { connection in
            for sql in [
              "INSERT INTO audit.events (action) VALUES ('TEST_KEPT')",
              "BEGIN", "INSERT INTO audit.events (action) VALUES ('TEST_ROLLED_BACK')", "ROLLBACK",
              "BEGIN", "INSERT INTO audit.events (action) VALUES ('TEST_KEPT')", "SAVEPOINT s",
              "INSERT INTO audit.events (action) VALUES ('TEST_ROLLED_BACK')", "ROLLBACK TO SAVEPOINT s",
              "INSERT INTO audit.events (action) VALUES ('TEST_KEPT')", "COMMIT",
              "INSERT INTO audit.events (action) VALUES ('TEST_KEPT')",
            ] {
              _ = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: TestEnvironment.logger).collect()
            }
          }
        }
        let intact = try await verify(cluster)
        #expect(intact.status == 0 && intact.output.contains("audit log intact"), "\(intact.output)")

        // Someone with the owner's rights edits a row: the check names it.
        let edited = try await withPostgres(TestEnvironment.database(owner: true, name: database)) { owner in
          let rows = try await owner.query(
            """
            UPDATE audit.events SET details = '{"session_id":"forged"}'::jsonb
            WHERE id = (SELECT max(id) FROM audit.events WHERE action = 'USER_LOGIN') RETURNING id
            """, logger: TestEnvironment.logger
          ).collect()
          return try rows.first?.decode(Int64.self) ?? 0
        }
        let tampered = try await verify(cluster)
        #expect(tampered.status == 1, "\(tampered.output)")
        #expect(tampered.output.contains("row \(edited) ") && tampered.output.contains("does not match its hash"), "\(tampered.output)")

        // A deleted row breaks the link of the row after it.
        try await withPostgres(TestEnvironment.database(owner: true, name: database)) { owner in
          _ = try await owner.query(
            """
            DELETE FROM audit.events WHERE id = (SELECT e.id FROM audit.events e JOIN audit.events n
                ON n.chain = e.chain AND n.chain_seq = e.chain_seq + 1 ORDER BY e.id LIMIT 1)
            """, logger: TestEnvironment.logger
          ).collect()
        }
        let deleted = try await verify(cluster)
        #expect(deleted.status == 1 && deleted.output.contains("the row before it is missing"), "\(deleted.output)")
      }
    }
  }

  /// The scheduled check (every 2 s here) records what it found; the API and the admin
  /// console's audit page show it to whoever reads the whole log, and an edited row turns it
  /// red, naming the row. A SERVICE_ADMIN, who reads only its services' events, is not shown it.
  @Test func theScheduledCheckIsOnTheAuditPageAndAnEditedRowTurnsItRed() async throws {
    try await withFreshDatabase { database in
      try await withCluster(database: database, environment: ["GATEHOUSE_AUDIT_CHECK_SECONDS": "2"]) { cluster in
        #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
        let (admin, token) = try await cluster.api.admin(role: "SUPER_ADMIN")
        func check(_ token: String) async throws -> AuditChainCheck? {
          try await cluster.api.get("/api/v1/audit-events?limit=1", as: AuditPage.self, headers: bearer(token)).decoded().chainCheck
        }
        #expect(try await eventually(timeout: .seconds(20)) { try await check(token).map { $0.problemCount == 0 && $0.rows > 0 } ?? false })
        let browser = PageBrowser(cluster)
        try await browser.signInToConsole(admin)
        let green = try await browser.get("/admin/audit")
        #expect(green.status == 200 && green.body.contains("data-state=\"intact\""), "\(green.status)")
        let (_, owner) = try await cluster.api.admin(role: "SERVICE_ADMIN")
        #expect(try await check(owner) == nil)

        let edited = try await withPostgres(TestEnvironment.database(owner: true, name: database)) { owner in
          try await owner.query(
            """
            UPDATE audit.events SET details = '{"forged":"yes"}'::jsonb
            WHERE id = (SELECT max(id) FROM audit.events WHERE action = 'USER_LOGIN') RETURNING id
            """, logger: TestEnvironment.logger
          ).collect().first?.decode(Int64.self) ?? 0
        }
        #expect(try await eventually(timeout: .seconds(20)) { (try await check(token)?.problemCount ?? 0) > 0 })
        let red = try await browser.get("/admin/audit")
        #expect(red.body.contains("data-state=\"tampered\"") && red.body.contains("row \(edited) "), "\(red.status)")
        // One check per period however many instances look: never two within a second of each other.
        let close = try await withPostgres(TestEnvironment.database(owner: true, name: database)) { owner in
          try await owner.query(
            """
            SELECT count(*)::int FROM (SELECT checked_at - lag(checked_at) OVER (ORDER BY id) AS gap FROM audit.chain_checks) g
            WHERE gap < interval '1 second'
            """, logger: TestEnvironment.logger
          ).collect().first?.decode(Int.self)
        }
        #expect(close == 0)
      }
    }
  }

  @Test func auditorsReadTheLogAndServiceAdminsOnlyTheirServices() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let (_, plain) = try await cluster.api.admin(role: "USER")
      let auditorAccount = try await cluster.api.makeAccount()
      _ = try await cluster.tokenAdmin(["admin", "set-platform-role", "--username", auditorAccount.username, "--role", "AUDITOR"])
      let auditorToken = try await cluster.api.signIn(auditorAccount).accessToken
      let (_, owner) = try await cluster.api.admin(role: "SERVICE_ADMIN")
      let slug = TestEnvironment.uniqueName("audited").replacingOccurrences(of: "_", with: "-")
      #expect(
        try await cluster.api.post(
          "/api/v1/services", ServiceSettingsBody(slug: slug, name: "Audited", type: "web"),
          headers: bearer(owner)
        ).status == 201)
      // Someone signs in to it three times.
      let member = Account(slug: slug, username: TestEnvironment.uniqueName("ada"))
      _ = try await cluster.api.register(member)
      var userID = ""
      for _ in 0..<3 {
        let token = try await cluster.api.signIn(member).accessToken
        userID = try tokenClaims(token).sub
      }

      // The auditor pages through that user's sign-ins, two at a time.
      let auth = bearer(auditorToken)
      let logins = "/api/v1/audit-events?user_id=\(userID)&action=USER_LOGIN&limit=2"
      let first = try await cluster.api.get(logins, as: AuditPage.self, headers: auth).decoded()
      let cursor = try #require(first.nextCursor)
      let second = try await cluster.api.get(logins + "&cursor=\(cursor)", as: AuditPage.self, headers: auth).decoded()
      let all = first.events + second.events
      #expect(all.count == 3 && all.allSatisfy { $0.action == "USER_LOGIN" && $0.userID == userID })
      #expect(second.nextCursor == nil)

      // The owner sees its service's events; another SERVICE_ADMIN none; a plain user is refused.
      let ownerView = try await cluster.api.get("/api/v1/audit-events?service=\(slug)", as: AuditPage.self, headers: bearer(owner))
      #expect(ownerView.value?.events.contains { $0.action == "SERVICE_CREATED" } == true, "\(ownerView)")
      let (_, stranger) = try await cluster.api.admin(role: "SERVICE_ADMIN")
      let strangerView = try await cluster.api.get(
        "/api/v1/audit-events?service=\(slug)", as: AuditPage.self,
        headers: bearer(stranger))
      #expect(strangerView.value?.events.isEmpty == true, "\(strangerView)")
      #expect(try await cluster.api.get("/api/v1/audit-events", headers: bearer(plain)).status == 403)
      let badTime = try await cluster.api.get("/api/v1/audit-events?from=yesterday", headers: auth)
      #expect(badTime.status == 422 && badTime.problem?.field == "from")
    }
  }

  /// Issue 22 (caught on the code before: `audit.events` had `ip` and `user_agent` columns that
  /// nothing filled, so the log could not be searched by address, seed 002 section 8.1). Sign-ins
  /// and failures record the client's address and user agent; an auditor finds them by address or
  /// block, and a malformed block is a 422.
  @Test func theAuditLogIsSearchedByClientAddress() async throws {
    try await withCluster(environment: ["GATEHOUSE_TRUSTED_PROXIES": "127.0.0.1/32"]) { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let member = try await cluster.api.makeAccount()
      let octet = Int.random(in: 1...250)
      let address = "198.18.\(octet).\(Int.random(in: 1...250))"
      for password in [member.password, "wrong horse 1"] {
        _ = try await cluster.api.post(
          "/api/v1/auth/login",
          LoginBody(
            service: member.slug, username: member.username, email: nil, password: password, rememberMe: nil,
            clientType: .mobile),
          headers: ["X-Forwarded-For": address, "User-Agent": "AuditProbe/1.0"])
      }
      let auditor = try await cluster.api.makeAccount()
      _ = try await cluster.tokenAdmin(["admin", "set-platform-role", "--username", auditor.username, "--role", "AUDITOR"])
      let token = try await cluster.api.signIn(auditor).accessToken
      let auth = bearer(token)
      for search in [address, "198.18.\(octet).0/24"] {
        let page = try await cluster.api.get("/api/v1/audit-events?ip=\(search)", as: AuditPage.self, headers: auth)
        let events = page.value?.events ?? []
        let actions = Set(events.map(\.action))
        #expect(actions.isSuperset(of: ["USER_LOGIN", "USER_LOGIN_FAILED"]), "\(search): \(page)")
        #expect(events.allSatisfy { $0.ip?.hasPrefix("198.18.\(octet).") == true })
        #expect(events.contains { $0.ip == address && $0.userAgent == "AuditProbe/1.0" })
      }
      let bad = try await cluster.api.get("/api/v1/audit-events?ip=198.18.0.0/99", headers: auth)
      #expect(bad.status == 422 && bad.problem?.field == "ip", "\(bad.body)")
      #expect(try await AuditTests().verify(cluster).status == 0)
    }
  }
}
