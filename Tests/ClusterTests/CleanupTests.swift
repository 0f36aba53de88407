import Foundation
import PostgresNIO
import Testing

@testable import Shared
@testable import TestSupport

/// The cleanup jobs (issue 22, docs/retention.md). Caught: none existed. `token.refresh_tokens`
/// gained a row per rotation and sessions, MFA challenges, used backup codes, unfinished TOTP
/// enrolments, sign-in throttle rows, done outbox rows, and idp-service's decided transactions,
/// deliveries, notifications and unknown-number windows stayed for ever; `token-service cleanup`
/// and `idp-service cleanup` did not exist, so each test here failed on the code before.
///
/// Each test has a database of its own: a short retention or a backlog must not reach the rows
/// of tests running beside it on the shared one.
@Suite(.serialized, .timeLimit(.minutes(5))) struct CleanupTests {
  /// Runs are driven by the tests (`<service> cleanup`), never by a schedule and a sleep.
  static let manual = ["GATEHOUSE_CLEANUP_INTERVAL": "0s"]

  /// `<service> cleanup` once; its output.
  func cleanup(_ cluster: Cluster, _ service: String = "token-service") async throws -> String {
    let process = try cluster.start(service, arguments: ["cleanup"])
    let status = await process.waitForExit(timeout: .seconds(60))
    #expect(status == 0, "\(service) cleanup failed:\n\(process.log)")
    return process.log
  }

  func execute(_ database: String, _ sql: PostgresQuery) async throws {
    try await withPostgres(TestEnvironment.database(owner: true, name: database)) { owner in
      _ = try await owner.query(sql, logger: TestEnvironment.logger).collect()
    }
  }

  func int(_ database: String, _ sql: PostgresQuery) async throws -> Int {
    try await withPostgres(TestEnvironment.database(owner: true, name: database)) { owner in
      try await owner.query(sql, logger: TestEnvironment.logger).collect().first?.decode(Int.self) ?? -1
    }
  }

  func verifyAudit(_ cluster: Cluster) async throws {
    let output = try await cluster.tokenAdmin(["admin", "verify-audit"])
    #expect(output.contains("audit log intact"), "\(output)")
  }

  /// Every kind of token-service row past its retention goes; the same kinds inside it stay;
  /// the audit rows written before are all there, the chains verify, and each batch left one
  /// `RETENTION_PURGED` row.
  @Test func tokenServiceRowsPastTheirRetentionGoAndTheRestAndTheAuditStay() async throws {
    try await withFreshDatabase { db in
      try await withCluster(database: db, environment: Self.manual) { cluster in
        #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
        let account = try await cluster.api.makeAccount()
        for _ in 0..<4 { #expect(try await cluster.api.login(account).status == 200) }
        let other = try await cluster.api.makeAccount()
        let ids = try await withPostgres(TestEnvironment.database(owner: true, name: db)) { owner in
          var found: [UUID] = []
          for try await id in try await owner.query(
            """
            SELECT s.id FROM token.sessions s JOIN token.users u ON u.id = s.user_id
            WHERE u.username = \(account.username) ORDER BY s.created_at
            """, logger: TestEnvironment.logger
          ).decode(UUID.self) { found.append(id) }
          return found
        }
        try #require(ids.count == 4)
        let (ended, endedInside, idle, live) = (ids[0], ids[1], ids[2], ids[3])
        let user = "(SELECT id FROM token.users WHERE username = '\(account.username)')"
        let otherUser = "(SELECT id FROM token.users WHERE username = '\(other.username)')"
        let service = "(SELECT id FROM token.services WHERE slug = '\(account.slug)')"
        for statement in [
          // Sessions (90 days after their end): revoked 100 days ago, revoked 80 days ago, idle since 120 days (timeout 14).
          "UPDATE token.sessions SET created_at = now() - interval '120 days', revoked_at = now() - interval '100 days' WHERE id = '\(ended)'",
          "UPDATE token.sessions SET created_at = now() - interval '120 days', revoked_at = now() - interval '80 days' WHERE id = '\(endedInside)'",
          "UPDATE token.sessions SET created_at = now() - interval '120 days', last_used_at = now() - interval '120 days' WHERE id = '\(idle)'",
          // Refresh tokens (a day after their expiry), the younger one the successor of the older.
          """
          INSERT INTO token.refresh_tokens (id, session_id, token_hash, created_at, expires_at, used_at) VALUES
              ('00000000-0000-0000-0000-00000000000a', '\(live)', '\\x0a', now() - interval '9 days', now() - interval '2 days', now() - interval '8 days')
          """,
          """
          INSERT INTO token.refresh_tokens (id, session_id, token_hash, parent_id, created_at, expires_at, used_at) VALUES
              ('00000000-0000-0000-0000-00000000000b', '\(live)', '\\x0b', '00000000-0000-0000-0000-00000000000a',
               now() - interval '8 days', now() - interval '12 hours', now() - interval '7 days')
          """,
          // MFA challenges (a day after expiry).
          """
          INSERT INTO token.mfa_challenges (token_hash, user_id, service_id, client_type, remember_me, created_at, expires_at) VALUES
              ('\\xc1', \(user), \(service), 'mobile', false, now() - interval '49 hours', now() - interval '48 hours'),
              ('\\xc2', \(user), \(service), 'mobile', false, now() - interval '2 hours', now() - interval '1 hour')
          """,
          // Backup codes (30 days after use; unused ones stay).
          """
          INSERT INTO token.mfa_backup_codes (user_id, code_hash, used_at) VALUES
              (\(user), '\\xb1', now() - interval '31 days'), (\(user), '\\xb2', now() - interval '29 days'), (\(user), '\\xb3', NULL)
          """,
          // Unfinished TOTP enrolments (a day).
          """
          INSERT INTO token.totp_credentials (user_id, secret, master_key_version, created_at) VALUES
              (\(user), '\\x00', 1, now() - interval '2 days'), (\(otherUser), '\\x00', 1, now() - interval '1 hour')
          """,
          // Sign-in throttles: idle for 2 h (goes); a failure 10 minutes ago; a lock; a live claim; idle for 10 minutes.
          """
          INSERT INTO token.sign_in_throttles (key, failures, first_failed_at, locked_until, pending, pending_since, updated_at) VALUES
              ('\\xd1', 0, NULL, NULL, 0, NULL, now() - interval '2 hours'),
              ('\\xd2', 2, now() - interval '10 minutes', NULL, 0, NULL, now() - interval '2 hours'),
              ('\\xd3', 5, now() - interval '40 minutes', now() + interval '10 minutes', 0, NULL, now() - interval '2 hours'),
              ('\\xd4', 0, NULL, NULL, 1, now() + interval '1 hour', now() - interval '2 hours'),  -- a live claim, whenever the runs happen
              ('\\xd5', 0, NULL, NULL, 0, NULL, now() - interval '10 minutes')
          """,
          // Mailed links' tokens (7 days after expiry, used or not).
          """
          INSERT INTO token.email_tokens (token_hash, purpose, user_id, email, expires_at, used_at) VALUES
              ('\\xf1', 'reset_password', \(user), 'a@example.com', now() - interval '8 days', NULL),
              ('\\xf2', 'verify_email', \(user), 'a@example.com', now() - interval '6 days', now() - interval '7 days')
          """,
          // Revocations (their own expiry).
          "INSERT INTO token.revocations (jti, expires_at) VALUES ('cleanup-expired', now() - interval '1 second'), ('cleanup-live', now() + interval '1 hour')",
          // The outbox (7 days after done; undone rows stay).
          """
          INSERT INTO token.outbox (id, queue, payload, next_attempt_at, done_at) VALUES
              ('00000000-0000-0000-0000-0000000000e1', 'q', '{}', now(), now() - interval '8 days'),
              ('00000000-0000-0000-0000-0000000000e2', 'q', '{}', now(), now() - interval '1 day'),
              ('00000000-0000-0000-0000-0000000000e3', 'q', '{}', now() - interval '30 days', NULL)
          """,
        ] {
          try await execute(db, PostgresQuery(unsafeSQL: statement))
        }
        let auditBefore = try await int(db, "SELECT count(*)::int FROM audit.events")
        let lastBefore = try await int(db, "SELECT max(id)::int FROM audit.events")

        let output = try await cleanup(cluster)
        for line in [
          "token.sessions: deleted 2", "token.refresh_tokens: deleted 1", "token.mfa_challenges: deleted 1",
          "token.mfa_backup_codes: deleted 1", "token.totp_credentials: deleted 1", "token.sign_in_throttles: deleted 1",
          "token.revocations: deleted 1", "token.outbox: deleted 1", "token.email_tokens: deleted 1",
        ] {
          #expect(output.contains(line), "\(line) missing from:\n\(output)")
        }

        let sessions = try await withPostgres(TestEnvironment.database(owner: true, name: db)) { owner in
          var left: Set<UUID> = []
          for try await id in try await owner.query("SELECT id FROM token.sessions", logger: TestEnvironment.logger).decode(UUID.self) {
            left.insert(id)
          }
          return left
        }
        #expect(sessions == [endedInside, live])
        #expect(try await int(db, "SELECT count(*)::int FROM token.refresh_tokens WHERE session_id IN (\(ended), \(idle))") == 0)
        #expect(try await int(db, "SELECT count(*)::int FROM token.refresh_tokens WHERE session_id = \(endedInside)") == 1)
        #expect(
          try await int(
            db,
            """
            SELECT count(*)::int FROM token.refresh_tokens WHERE session_id = \(live) AND id <> '00000000-0000-0000-0000-00000000000b'
            """) == 1, "the open session's live token")
        #expect(
          try await int(
            db,
            """
            SELECT count(*)::int FROM token.refresh_tokens WHERE id = '00000000-0000-0000-0000-00000000000b' AND parent_id IS NULL
            """) == 1, "the successor stays, its link to the deleted token cleared")
        #expect(try await int(db, "SELECT count(*)::int FROM token.mfa_challenges WHERE token_hash = '\\xc2'") == 1)
        #expect(try await int(db, "SELECT count(*)::int FROM token.email_tokens WHERE token_hash = '\\xf2'") == 1)
        #expect(try await int(db, "SELECT count(*)::int FROM token.mfa_challenges") == 1)
        #expect(try await int(db, "SELECT count(*)::int FROM token.mfa_backup_codes WHERE code_hash IN ('\\xb2', '\\xb3')") == 2)
        #expect(try await int(db, "SELECT count(*)::int FROM token.mfa_backup_codes") == 2)
        #expect(
          try await int(db, PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM token.totp_credentials WHERE user_id = \(otherUser)")) == 1)
        #expect(try await int(db, "SELECT count(*)::int FROM token.totp_credentials") == 1)
        #expect(try await int(db, "SELECT count(*)::int FROM token.sign_in_throttles WHERE key = '\\xd1'") == 0)
        #expect(
          try await int(db, "SELECT count(*)::int FROM token.sign_in_throttles WHERE key IN ('\\xd2', '\\xd3', '\\xd4', '\\xd5')") == 4)
        #expect(try await int(db, "SELECT count(*)::int FROM token.revocations WHERE jti LIKE 'cleanup-%'") == 1)
        #expect(try await int(db, "SELECT count(*)::int FROM token.revocations WHERE jti = 'cleanup-live'") == 1)
        #expect(try await int(db, "SELECT count(*)::int FROM token.outbox") == 2)
        #expect(try await int(db, "SELECT count(*)::int FROM token.outbox WHERE id = '00000000-0000-0000-0000-0000000000e1'") == 0)

        // The audit log: nothing before the run is gone, and the run said what it deleted.
        #expect(try await int(db, "SELECT count(*)::int FROM audit.events WHERE id <= \(lastBefore)") == auditBefore)
        #expect(
          try await int(
            db,
            """
            SELECT sum((details->>'rows')::int)::int FROM audit.events
            WHERE action = 'RETENTION_PURGED' AND details->>'table' = 'token.sessions' AND details->>'retention' = '90d'
            """) == 2)
        #expect(try await int(db, "SELECT count(*)::int FROM audit.events WHERE action = 'RETENTION_PURGED'") == 9)
        try await verifyAudit(cluster)

        // A second run finds nothing more.
        let again = try await cleanup(cluster)
        #expect(!again.contains("deleted 1") && !again.contains("deleted 2"), "\(again)")
        // The person whose old sessions went still signs in and refreshes.
        let refresh = try #require(try await cluster.api.signIn(account).refreshToken)
        #expect(try await cluster.api.refresh(refresh).status == 200)
      }
    }
  }

  /// Decided transactions go after the retention (400 days; never under 367, which the
  /// statistics' 366 days need), with their delivery, but never one whose callback is
  /// pending; deliveries and notifications go sooner; ended unknown-number windows go. The
  /// statistics still count what they show; the audit chain is untouched.
  @Test func idpServiceRowsPastTheirRetentionGoAndStatisticsAndTheAuditStay() async throws {
    try await withFreshDatabase { db in
      // One failed attempt and a callback is dead: no retry races the statuses set below.
      try await withCluster(database: db, environment: Self.manual.merging(["GATEHOUSE_CALLBACK_MAX_ATTEMPTS": "1"]) { $1 }) { cluster in
        #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
        // Callbacks go nowhere: their deliveries are set by hand below.
        let sp = try await cluster.api.makeSP(callback: "http://127.0.0.1:9/callback")
        let otherSP = try await cluster.api.makeSP(callback: "http://127.0.0.1:9/callback")
        let person = try await cluster.api.makePerson()
        var decided: [String] = []
        for _ in 0..<3 {
          let id = try await cluster.api.request(sp, person)
          #expect(try await cluster.api.confirm(person, id).status == 200)
          decided.append(id)
        }
        let pending = try await cluster.api.request(sp, person)
        for (caller, phone) in [(sp, "010-0000-0001"), (otherSP, "010-0000-0002")] {
          let miss = try await cluster.post("/api/v1/idp/requests", body: #"{"user_phone_number":"\#(phone)"}"#, headers: caller.auth)
          #expect(miss.status == 404, "\(miss.body)")
        }
        let (old, kept, oldButPending) = (decided[0], decided[1], decided[2])
        #expect(
          try await eventually(timeout: .seconds(30)) {
            try await int(db, "SELECT count(*)::int FROM idp.callback_deliveries WHERE status = 'dead'") == 3
          }, "\(cluster.logs)")
        for statement in [
          "UPDATE idp.transactions SET created_at = now() - interval '401 days', expires_at = now() - interval '401 days' + interval '3 minutes', completed_at = now() - interval '401 days' WHERE id = '\(old)'",
          "UPDATE idp.transactions SET created_at = now() - interval '300 days', expires_at = now() - interval '300 days' + interval '3 minutes', completed_at = now() - interval '300 days' WHERE id = '\(kept)'",
          "UPDATE idp.transactions SET created_at = now() - interval '401 days', expires_at = now() - interval '401 days' + interval '3 minutes', completed_at = now() - interval '401 days' WHERE id = '\(oldButPending)'",
          "UPDATE idp.callback_deliveries SET status = 'delivered', delivered_at = now(), created_at = now() - interval '300 days' WHERE transaction_id IN ('\(old)', '\(kept)')",
          // Not due for an hour, so the cluster's own sweeper leaves it pending while the test runs.
          "UPDATE idp.callback_deliveries SET status = 'pending', next_attempt_at = now() + interval '1 hour', created_at = now() - interval '10 days' WHERE transaction_id = '\(oldButPending)'",
          "UPDATE idp.notifications SET created_at = now() - interval '2 days'",
          "UPDATE idp.unknown_number_lookups SET window_start = now() - interval '11 minutes' WHERE sp_id = (SELECT id FROM idp.service_providers WHERE client_id = '\(sp.clientID)')",
          "INSERT INTO idp.unknown_number_budgets (scope, window_start, misses) VALUES ('test:ended', now() - interval '11 minutes', 3), ('test:current', now(), 3)",
        ] {
          try await execute(db, PostgresQuery(unsafeSQL: statement))
        }
        let auditBefore = try await int(db, "SELECT count(*)::int FROM audit.events")
        let lastBefore = try await int(db, "SELECT max(id)::int FROM audit.events")

        let output = try await cleanup(cluster, "idp-service")
        for line in [
          "idp.transactions: deleted 1", "idp.callback_deliveries: deleted 2", "idp.notifications: deleted 3",
          "idp.unknown_number_lookups: deleted 1",
        ] {
          #expect(output.contains(line), "\(line) missing from:\n\(output)")
        }

        func exists(_ table: String, _ column: String, _ id: String) async throws -> Bool {
          try await int(db, PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM idp.\(table) WHERE \(column) = '\(id)'")) == 1
        }
        #expect(try await !exists("transactions", "id", old))
        #expect(try await !exists("callback_deliveries", "transaction_id", old))
        #expect(try await exists("transactions", "id", kept))
        #expect(try await !exists("callback_deliveries", "transaction_id", kept), "a delivered callback goes after 30 days")
        #expect(try await exists("transactions", "id", oldButPending), "its callback is pending")
        #expect(try await exists("callback_deliveries", "transaction_id", oldButPending))
        #expect(try await exists("transactions", "id", pending))
        #expect(try await exists("notifications", "transaction_id", pending), "the pending request's notification stays")
        #expect(try await int(db, "SELECT count(*)::int FROM idp.notifications") == 1)
        #expect(try await int(db, "SELECT count(*)::int FROM idp.unknown_number_lookups") == 1)
        #expect(try await int(db, "SELECT count(*)::int FROM idp.unknown_number_budgets WHERE scope LIKE 'test:%'") == 1)
        #expect(try await int(db, "SELECT count(*)::int FROM idp.unknown_number_budgets WHERE scope = 'test:current'") == 1)

        // The statistics of the last 366 days still count the transaction of 300 days ago.
        let stats = try await cluster.api.get("/api/v1/idp/stats?days=366", as: Statistics.self, headers: sp.auth)
        #expect(stats.status == 200, "\(stats.body)")
        let days = try stats.decoded().days
        #expect(days.reduce(0) { $0 + $1.completed } == 1, "\(stats.body)")
        #expect(days.reduce(0) { $0 + $1.total } == 2, "\(stats.body)")

        #expect(try await int(db, "SELECT count(*)::int FROM audit.events WHERE id <= \(lastBefore)") == auditBefore)
        #expect(
          try await int(db, "SELECT count(*)::int FROM audit.events WHERE details->>'transaction_id' = \(old)") >= 2,
          "the deleted transaction's audit rows stay")
        try await verifyAudit(cluster)
      }
    }
  }

  /// An instance that finds a table's cleanup lock held skips that table and works the
  /// others; once the lock is free, the next run works it.
  @Test func aTableAnotherInstanceIsCleaningIsSkipped() async throws {
    try await withFreshDatabase { db in
      try await withCluster(database: db, environment: Self.manual, startAll: false) { cluster in
        let migrate = try cluster.start("token-service", arguments: ["migrate"])
        #expect(await migrate.waitForExit(timeout: .seconds(60)) == 0, "\(migrate.log)")
        try await execute(
          db,
          """
          INSERT INTO token.revocations (jti, expires_at) SELECT 'held-' || n, now() - interval '1 minute' FROM generate_series(1, 3) n
          """)
        try await execute(
          db,
          """
          INSERT INTO token.sign_in_throttles (key, updated_at) VALUES ('\\x01', now() - interval '1 day')
          """)
        try await withPostgres(TestEnvironment.database(name: db)) { app in
          try await app.withConnection { holder in
            let locked = try await holder.query(
              "SELECT pg_try_advisory_lock(hashtext('gatehouse.cleanup'), hashtext('token.revocations'))",
              logger: TestEnvironment.logger
            ).collect().first?.decode(Bool.self)
            #expect(locked == true)
            let output = try await cleanup(cluster)
            #expect(output.contains("token.revocations: skipped"), "\(output)")
            #expect(output.contains("token.sign_in_throttles: deleted 1"), "\(output)")
            #expect(try await int(db, "SELECT count(*)::int FROM token.revocations") == 3)
            _ = try await holder.query("SELECT pg_advisory_unlock_all()", logger: TestEnvironment.logger).collect()
          }
        }
        let output = try await cleanup(cluster)
        #expect(output.contains("token.revocations: deleted 3"), "\(output)")
        #expect(try await int(db, "SELECT count(*)::int FROM token.revocations") == 0)
      }
    }
  }

  /// Two worker instances cleaning a backlog at once, on a 1 s schedule with small batches:
  /// every batch leaves an audit row naming its table, its run and its instance, and no two
  /// runs' batches of one table interleave (by audit row id, which is taken at insert), while
  /// both instances did work.
  @Test func twoInstancesNeverWorkOneTableAtOnce() async throws {
    try await withFreshDatabase { db in
      let schedule = ["GATEHOUSE_CLEANUP_INTERVAL": "1s", "GATEHOUSE_CLEANUP_BATCH_SIZE": "50"]
      try await withCluster(database: db, environment: schedule, startAll: false) { cluster in
        let migrate = try cluster.start("token-service", arguments: ["migrate"])
        #expect(await migrate.waitForExit(timeout: .seconds(60)) == 0, "\(migrate.log)")
        try await execute(
          db,
          """
          INSERT INTO token.revocations (jti, expires_at) SELECT 'backlog-' || n, now() - interval '1 minute' FROM generate_series(1, 5000) n
          """)
        try await execute(
          db,
          """
          INSERT INTO token.sign_in_throttles (key, updated_at)
          SELECT sha256(convert_to('backlog-' || n, 'UTF8')), now() - interval '1 day' FROM generate_series(1, 5000) n
          """)
        try await execute(
          db,
          """
          INSERT INTO token.outbox (id, queue, payload, next_attempt_at, done_at)
          SELECT gen_random_uuid(), 'q', '{}', now(), now() - interval '30 days' FROM generate_series(1, 5000) n
          """)
        for instance in ["cleaner-a", "cleaner-b"] {
          try cluster.start("token-service", arguments: ["serve", "--workers-only"], extra: ["GATEHOUSE_INSTANCE_ID": instance])
        }
        let cleaned = try await eventually(timeout: .seconds(120)) {
          try await int(
            db,
            """
            SELECT ((SELECT count(*) FROM token.revocations) + (SELECT count(*) FROM token.sign_in_throttles)
                    + (SELECT count(*) FROM token.outbox))::int
            """) == 0
        }
        #expect(cleaned, "\(cluster.logs)")
        let batches =
          "SELECT id, details->>'table' AS t, details->>'run' AS run, details->>'instance' AS instance FROM audit.events WHERE action = 'RETENTION_PURGED'"
        #expect(
          try await int(
            db,
            PostgresQuery(
              unsafeSQL: """
                WITH b AS (\(batches)), runs AS (SELECT t, run, min(id) AS first, max(id) AS last FROM b GROUP BY t, run)
                SELECT count(*)::int FROM runs r1 JOIN runs r2 ON r1.t = r2.t AND r1.run <> r2.run AND r1.first < r2.first AND r2.first < r1.last
                """)) == 0, "two runs worked one table at once")
        #expect(
          try await int(
            db, PostgresQuery(unsafeSQL: "WITH b AS (\(batches)) SELECT count(DISTINCT run)::int FROM b WHERE instance IS NULL")) == 0)
        #expect(
          try await int(db, PostgresQuery(unsafeSQL: "WITH b AS (\(batches)) SELECT count(DISTINCT instance)::int FROM b")) == 2,
          "both instances cleaned:\n\(cluster.logs)")
        #expect(
          try await int(
            db,
            """
            SELECT sum((details->>'rows')::int)::int FROM audit.events WHERE action = 'RETENTION_PURGED'
            """) == 15_000)
        try await verifyAudit(cluster)
      }
    }
  }
}
