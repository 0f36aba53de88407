import Foundation
import PostgresNIO
import Testing

@testable import Shared
@testable import TestSupport

@Suite(.timeLimit(.minutes(2))) struct OutboxTests {
  /// The outbox table as every service schema has it, plus a table the job writes to.
  static func schema(_ name: String) -> SchemaMigrations {
    SchemaMigrations(
      schema: name,
      migrations: [
        Outbox.migration(schema: name),
        Migration(version: 1, name: "effects", sql: "CREATE TABLE \(name).effects (job_id uuid NOT NULL, n int NOT NULL)"),
      ])
  }

  @Test func anOutboxJobLostByAFlushIsSweptAgainAndDoneExactlyOnce() async throws {
    let server = try RedisServerProcess()
    try await server.start()
    defer { server.kill() }
    let schemaName = TestEnvironment.uniqueName("outbox")
    try await withPostgres(TestEnvironment.database(owner: true)) { owner in
      try await MigrationRunner(client: owner, appRole: TestEnvironment.appRole, logger: TestEnvironment.logger).migrate([
        Self.schema(schemaName)
      ])
    }
    try await withDatabase(TestEnvironment.database()) { postgres in
      try await withRedis(server.endpoint) { redis in
        let outbox = try Outbox(table: "\(schemaName).outbox", lease: .milliseconds(500))
        let queue = JobQueue(TestEnvironment.uniqueName("deliveries"))
        let logger = TestEnvironment.logger

        // The change and its outbox row commit together; then the hand-off to Redis.
        let job = try await postgres.transaction(logger: logger) { connection in
          try await outbox.add(Work(n: 42), to: queue, on: connection, logger: logger)
        }
        await outbox.dispatch(job, redis: redis, logger: logger)
        #expect(try await redis.send("XLEN", .string(queue.streamKey)).int == 1)
        try await redis.send("FLUSHALL")  // Redis loses the job.

        let sweeper = OutboxSweeper(outbox: outbox, client: postgres, redis: redis, interval: .milliseconds(100), logger: logger)
        let sweeping = Task { try await sweeper.run() }
        defer { sweeping.cancel() }
        let effects = "\(schemaName).effects"
        let delivered = Counter()
        try await withWorker(
          queue, redis: redis, options: fastOptions(),
          handler: { job in
            delivered.add()
            try await outbox.complete(job, client: postgres, logger: logger) { connection in
              let work = try job.decode(Work.self)
              var binds = PostgresBindings()
              binds.append(UUID(uuidString: job.id)!)
              binds.append(work.n)
              _ = try await connection.query(
                PostgresQuery(unsafeSQL: "INSERT INTO \(effects) (job_id, n) VALUES ($1, $2)", binds: binds), logger: logger
              ).collect()
            }
          }
        ) {
          let done = try await eventually {
            try await postgres.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM \(effects)"), logger: logger).collect().first?
              .decode(Int.self) == 1
          }
          #expect(done)
          // Duplicate deliveries (a sweep racing the worker) change nothing.
          let before = delivered.count
          try await queue.enqueue(job.asJob(), on: redis)
          try await queue.enqueue(job.asJob(), on: redis)
          // Both handled and acked (the worker deletes what it acks), and the job nowhere else.
          let handled = try await eventually {
            let queued = try await redis.send("XLEN", .string(queue.streamKey)).int
            let delayed = try await redis.send("ZCARD", .string(queue.delayedKey)).int
            return delivered.count >= before + 2 && queued == 0 && delayed == 0
          }
          #expect(handled, "\(delivered.count - before) of 2 duplicates handled")
          #expect(try await redis.send("XLEN", .string(queue.deadKey)).int == 0)
          let rows = try await postgres.query(PostgresQuery(unsafeSQL: "SELECT n FROM \(effects)"), logger: logger).collect()
          #expect(try rows.map { try $0.decode(Int.self) } == [42])
          let undone = try await postgres.query(
            PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM \(schemaName).outbox WHERE done_at IS NULL"), logger: logger
          ).collect()
          #expect(try undone.first?.decode(Int.self) == 0)
        }
      }
    }
  }
}
