import Foundation
import Logging
import NIOCore
import PostgresNIO

/// A job that must not be lost: a row in `<schema>.outbox` written in the same SQL transaction as
/// the change it follows from, then handed to Redis. If Redis loses it (a flush, a crash before
/// the hand-off), the sweeper hands it over again; the worker completes each row exactly once.
///
/// Each service schema gets the table as its migration 0 (`Outbox.migration(schema:)`).
public struct Outbox: Sendable {
  /// Creates `<schema>.outbox`; version 0 is reserved for it, so a service's own files start at 1.
  public static func migration(schema: String) -> Migration {
    Migration(
      version: 0, name: "outbox",
      sql: """
        CREATE TABLE \(schema).outbox (
            id              uuid        PRIMARY KEY,
            queue           text        NOT NULL,
            payload         jsonb       NOT NULL,
            created_at      timestamptz NOT NULL DEFAULT now(),
            next_attempt_at timestamptz NOT NULL,
            dispatch_count  integer     NOT NULL DEFAULT 0,
            done_at         timestamptz
        );
        CREATE INDEX outbox_due ON \(schema).outbox (next_attempt_at) WHERE done_at IS NULL;
        """)
  }

  public let table: SQLIdentifier
  /// How long a dispatched row may stay undone before the sweeper dispatches it again.
  public let lease: Duration

  public init(table: String, lease: Duration = .seconds(60)) throws {
    self.table = try SQLIdentifier(table)
    self.lease = lease
  }

  /// Writes the row inside the caller's transaction. Returns the job to `dispatch` after commit.
  public func add(
    _ payload: some Encodable, to queue: JobQueue, on connection: PostgresConnection, logger: Logger
  ) async throws -> OutboxJob {
    let id = SecureRandom.uuid()
    let text = String(buffer: try JSON.encode(payload))
    var binds = PostgresBindings()
    binds.append(id)
    binds.append(queue.name)
    binds.append(text)
    binds.append(Double(lease.milliseconds) / 1000)
    _ = try await connection.query(
      PostgresQuery(
        unsafeSQL: """
          INSERT INTO \(table) (id, queue, payload, next_attempt_at)
          VALUES ($1, $2, $3::jsonb, now() + make_interval(secs => $4))
          """, binds: binds), logger: logger
    ).collect()
    return OutboxJob(id: id, queue: queue, payload: text)
  }

  /// Hands the job to Redis after the transaction committed. A failure here only delays it:
  /// the sweeper dispatches the row once its lease has passed.
  public func dispatch(_ job: OutboxJob, redis: RedisClient, logger: Logger) async {
    do {
      try await job.queue.enqueue(job.asJob(), on: redis)
    } catch {
      logger.warning("outbox dispatch deferred to the sweeper", metadata: ["job_id": "\(job.id)", "error": "\(error)"])
    }
  }

  /// In a job handler: locks the row, runs `effect` and marks the row done, all in one
  /// transaction. A row already done is skipped, so duplicate deliveries have no effect.
  /// Returns false when it was already done (or unknown).
  @discardableResult
  public func complete(
    _ job: Job, client: Database, logger: Logger,
    effect: (PostgresConnection) async throws -> Void
  ) async throws -> Bool {
    guard let id = UUID(uuidString: job.id) else { return false }
    return try await client.transaction(logger: logger) { connection in
      var binds = PostgresBindings()
      binds.append(id)
      let rows = try await connection.query(
        PostgresQuery(unsafeSQL: "SELECT done_at IS NULL FROM \(table) WHERE id = $1 FOR UPDATE", binds: binds),
        logger: logger)
      var pending = false
      for try await open in rows.decode(Bool.self) { pending = open }
      guard pending else { return false }
      try await effect(connection)
      _ = try await connection.query(
        PostgresQuery(unsafeSQL: "UPDATE \(table) SET done_at = now() WHERE id = $1", binds: binds),
        logger: logger
      ).collect()
      return true
    }
  }

  /// Dispatches rows of `queue` (every queue's when nil) that are due and not done, pushing their
  /// lease forward first so that concurrent sweepers (one per instance) do not both take a row.
  /// Returns how many.
  public func sweep(client: Database, redis: RedisClient, queue: JobQueue? = nil, limit: Int = 100, logger: Logger) async throws -> Int {
    var binds = PostgresBindings()
    binds.append(Double(lease.milliseconds) / 1000)
    binds.append(limit)
    binds.append(queue?.name)
    let rows = try await client.query(
      PostgresQuery(
        unsafeSQL: """
          UPDATE \(table) SET next_attempt_at = now() + make_interval(secs => $1), dispatch_count = dispatch_count + 1
          WHERE id IN (
              SELECT id FROM \(table) WHERE done_at IS NULL AND next_attempt_at <= now() AND ($3::text IS NULL OR queue = $3)
              ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED)
          RETURNING id, queue, payload::text
          """, binds: binds), logger: logger)
    var jobs: [OutboxJob] = []
    for try await (id, queue, payload) in rows.decode((UUID, String, String).self) {
      jobs.append(OutboxJob(id: id, queue: JobQueue(queue), payload: payload))
    }
    for job in jobs {
      try await job.queue.enqueue(job.asJob(), on: redis)
    }
    if !jobs.isEmpty { logger.info("outbox rows dispatched again", metadata: ["table": "\(table)", "count": "\(jobs.count)"]) }
    return jobs.count
  }
}

/// A row of the outbox on its way to Redis.
public struct OutboxJob: Sendable {
  public let id: UUID
  public let queue: JobQueue
  public let payload: String

  func asJob() -> Job {
    Job(id: id.uuidString.lowercased(), queue: queue.name, attempt: 1, payload: payload, enqueuedAtMs: unixMilliseconds())
  }
}
