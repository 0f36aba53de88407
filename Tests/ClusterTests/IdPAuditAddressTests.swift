import Foundation
import PostgresNIO
import Testing

@testable import Shared
@testable import TestSupport

extension IdPTests {
  /// A prepared statement's parameter types come from its first run on a connection. The expiry
  /// sweeper decides with no client (a NULL address): written as `$17::inet`, that first run typed
  /// the address as `inet`, and every later decision on the connection, whose address came as
  /// text, was refused by PostgreSQL (a 500) until the connection closed (found in review). One
  /// connection that stays open makes the order certain: an expiry, then a confirm.
  @Test func aDecisionAfterAnExpiryOnTheSameConnectionRecordsItsAddress() async throws {
    let oneConnection = Self.environment.merging(["GATEHOUSE_PG_POOL_SIZE": "1", "GATEHOUSE_PG_IDLE_TIMEOUT_MS": "600000"]) { $1 }
    try await withReadyCluster(environment: oneConnection) { cluster, receiver in
      let sp = try await cluster.api.makeSP(callback: receiver.url)
      let person = try await cluster.api.makePerson()
      let lapsed = try await cluster.api.request(sp, person)
      try await withPostgres(TestEnvironment.database(owner: true, name: cluster.database)) { owner in
        _ = try await owner.query(
          "UPDATE idp.transactions SET created_at = now() - interval '1 minute', expires_at = now() - interval '1 second' WHERE id = \(UUID(uuidString: lapsed)!)",
          logger: TestEnvironment.logger
        ).collect()
      }
      #expect(try await receiver.delivery(of: lapsed)?.callback?.status == .expired, "the sweeper expired it")

      let id = try await cluster.api.request(sp, person)
      let confirmed = try await cluster.api.confirm(person, id)
      #expect(confirmed.status == 200 && confirmed.value?.status == .completed, "\(confirmed.body)")
      let address = try await withPostgres(TestEnvironment.database(owner: true, name: cluster.database)) { owner in
        try await owner.query(
          "SELECT host(ip) FROM audit.events WHERE action = 'AUTH_COMPLETED' AND details->>'transaction_id' = \(id)",
          logger: TestEnvironment.logger
        ).collect().first?.decode(String?.self)
      }
      #expect(address == "127.0.0.1")
    }
  }
}
