import Foundation
import PostgresNIO
import Testing

@testable import Shared
@testable import TestSupport

@Suite(.timeLimit(.minutes(2))) struct MigrationTests {
  static let migrations = [
    Migration(
      version: 1, name: "things", sql: "CREATE TABLE mt.things (id int PRIMARY KEY, note text); INSERT INTO mt.things VALUES (1, 'one');"),
    Migration(version: 2, name: "more", sql: "ALTER TABLE mt.things ADD COLUMN extra int; INSERT INTO mt.things VALUES (2, 'two', 2);"),
  ]

  @Test func instancesMigratingAtOnceApplyEachVersionOnce() async throws {
    try await withFreshDatabase { database in
      let target = SchemaMigrations(schema: "mt", migrations: Self.migrations)
      let results = try await withThrowingTaskGroup(of: [String: [Int]].self) { group in
        for _ in 0..<4 {
          group.addTask {
            try await withPostgres(TestEnvironment.database(owner: true, name: database)) { owner in
              try await MigrationRunner(client: owner, appRole: TestEnvironment.appRole, logger: TestEnvironment.logger).migrate([target])
            }
          }
        }
        var results: [[String: [Int]]] = []
        for try await result in group { results.append(result) }
        return results
      }
      // Exactly one runner applied both; the others found nothing to do.
      #expect(results.filter { $0["mt"] == [1, 2] }.count == 1)
      #expect(results.filter { $0["mt"] == [] }.count == 3)
      try await withPostgres(TestEnvironment.database(owner: true, name: database)) { owner in
        let rows = try await owner.query("SELECT count(*)::int FROM mt.things", logger: TestEnvironment.logger).collect()
        #expect(try rows.first?.decode(Int.self) == 2)
        let versions = try await owner.query("SELECT version FROM mt.schema_migrations ORDER BY version", logger: TestEnvironment.logger)
          .collect()
        #expect(try versions.map { try $0.decode(Int.self) } == [1, 2])
      }
    }
  }

  @Test func aFailingMigrationLeavesNothingHalfApplied() async throws {
    try await withFreshDatabase { database in
      let broken = SchemaMigrations(
        schema: "mt",
        migrations: [
          Self.migrations[0],
          Migration(version: 2, name: "broken", sql: "ALTER TABLE mt.things ADD COLUMN extra int; SELECT no_such_function();"),
        ])
      try await withPostgres(TestEnvironment.database(owner: true, name: database)) { owner in
        let runner = MigrationRunner(client: owner, appRole: TestEnvironment.appRole, logger: TestEnvironment.logger)
        await #expect(throws: MigrationError.self) { try await runner.migrate([broken]) }
        let columns = try await owner.query(
          "SELECT count(*)::int FROM information_schema.columns WHERE table_schema = 'mt' AND table_name = 'things' AND column_name = 'extra'",
          logger: TestEnvironment.logger
        ).collect()
        #expect(try columns.first?.decode(Int.self) == 0)
        let versions = try await owner.query("SELECT version FROM mt.schema_migrations", logger: TestEnvironment.logger).collect()
        #expect(try versions.map { try $0.decode(Int.self) } == [1])
      }
    }
  }

  @Test func theAppRoleOwnsNothingAndAuditIsAppendOnly() async throws {
    try await withFreshDatabase { database in
      let audit = try SchemaMigrations.audit()
      try await withPostgres(TestEnvironment.database(owner: true, name: database)) { owner in
        try await MigrationRunner(client: owner, appRole: TestEnvironment.appRole, logger: TestEnvironment.logger).migrate([audit])
      }
      try await withPostgres(TestEnvironment.database(name: database)) { app in
        _ = try await app.query("INSERT INTO audit.events (action) VALUES ('TEST_EVENT')", logger: TestEnvironment.logger).collect()
        // 42501 insufficient_privilege: refused for want of the grant, not for any other reason.
        #expect(
          await sqlState {
            _ = try await app.query("UPDATE audit.events SET action = 'CHANGED'", logger: TestEnvironment.logger).collect()
          } == "42501")
        #expect(
          await sqlState {
            _ = try await app.query("DELETE FROM audit.events", logger: TestEnvironment.logger).collect()
          } == "42501")
        #expect(
          await sqlState {
            _ = try await app.query("DROP TABLE audit.events", logger: TestEnvironment.logger).collect()
          } == "42501")
      }
    }
  }
}
