import Foundation
import PostgresNIO
import Testing

@testable import Shared
@testable import TestSupport

/// Row-level security on tenant tables, as the app role sees it.
@Suite(.serialized, .timeLimit(.minutes(5))) struct IsolationTests {
  @Test func oneServicesContextCannotReadOrWriteAnothersMemberships() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let a = try await cluster.api.makeAccount()
      let b = try await cluster.api.makeAccount()
      try await withPostgres(TestEnvironment.database(owner: false)) { app in
        func id(_ slug: String) async throws -> UUID {
          try #require(
            try await app.query("SELECT id FROM token.services WHERE slug = \(slug)", logger: TestEnvironment.logger)
              .collect().first?.decode(UUID.self))
        }
        let serviceA = try await id(a.slug)
        let serviceB = try await id(b.slug)
        try await app.withTransaction(logger: TestEnvironment.logger) { connection in
          try await connection.scope(toService: serviceA, logger: TestEnvironment.logger)
          // Queries that forget the service: they still see and touch A's rows only.
          let seen = try await connection.query("SELECT DISTINCT service_id FROM token.memberships", logger: TestEnvironment.logger)
            .collect().map { try $0.decode(UUID.self) }
          #expect(seen == [serviceA])
          let touched = try await connection.query(
            "UPDATE token.memberships SET role = role RETURNING service_id", logger: TestEnvironment.logger
          )
          .collect().map { try $0.decode(UUID.self) }
          #expect(!touched.isEmpty && touched.allSatisfy { $0 == serviceA })
          // Writing a row of B is refused outright, by the row-level security policy (42501
          // insufficient_privilege), not by a key or constraint that happened to be in the way.
          #expect(
            await sqlState {
              _ = try await connection.query(
                """
                INSERT INTO token.memberships (service_id, user_id) SELECT \(serviceB), id FROM token.users LIMIT 1
                """, logger: TestEnvironment.logger
              ).collect()
            } == "42501")
        }
        // No service named: nothing at all.
        let unscoped = try await app.query("SELECT count(*)::int FROM token.memberships", logger: TestEnvironment.logger).collect()
        #expect(try unscoped.first?.decode(Int.self) == 0)
        try await app.withTransaction(logger: TestEnvironment.logger) { connection in
          try await connection.scope(toService: serviceB, logger: TestEnvironment.logger)
          let count = try await connection.query(
            "SELECT count(*)::int FROM token.memberships WHERE service_id = \(serviceA)",
            logger: TestEnvironment.logger
          ).collect()
          #expect(try count.first?.decode(Int.self) == 0)
        }
      }
    }
  }
}
