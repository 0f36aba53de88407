import Foundation
import Logging
import PostgresNIO
import Shared

/// `idp.callback_deliveries`: the callbacks owed to SPs and every attempt's outcome. The
/// schedule lives here, not in Redis: a job only says "try delivery X now".
struct DeliveryStore: Sendable {
  let postgres: Database
  let logger: Logger
  private let marks: DeliveredMarks

  init(postgres: Database, logger: Logger) {
    self.postgres = postgres
    self.logger = logger
    marks = DeliveredMarks(postgres: postgres, logger: logger)
  }

  /// One attempt's right to deliver, with what to send.
  struct Claimed: Sendable {
    let id: UUID
    let transactionID: UUID
    let spID: UUID
    let body: String
    let attempt: Int
    let createdAt: Date
  }

  /// Takes delivery `id` for one attempt if it is still owed and nobody took attempt
  /// `attempts + 1` already (a duplicate job, or the sweeper racing the first job, gets nil).
  /// The lease keeps others off it while the attempt runs; a worker that dies leaves it to
  /// the sweeper once the lease passes.
  func claim(_ id: UUID, attempts: Int, lease: Duration) async throws -> Claimed? {
    let rows = try await postgres.query(
      """
      UPDATE idp.callback_deliveries SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => \(lease.seconds))
      WHERE id = \(id) AND status = 'pending' AND attempts = \(attempts)
      RETURNING transaction_id, sp_id, body, attempts, created_at
      """, logger: logger)
    for try await (transaction, sp, body, attempt, created) in rows.decode((UUID, UUID, String, Int, Date).self) {
      return Claimed(id: id, transactionID: transaction, spID: sp, body: body, attempt: attempt, createdAt: created)
    }
    return nil
  }

  /// The attempt succeeded (stored in a batch with others arriving at the same time).
  func delivered(_ claimed: Claimed, statusCode: Int) async throws {
    try await marks.store(DeliveredMarks.Mark(id: claimed.id, attempt: claimed.attempt, statusCode: statusCode))
  }

  /// A failed attempt: retried after `retryIn`, or dead (with its audit row) when `dead`.
  func failed(_ claimed: Claimed, statusCode: Int?, error: String, retryIn: Duration, dead: Bool) async throws {
    try await postgres.transaction(logger: logger) { connection in
      _ = try await connection.query(
        """
        UPDATE idp.callback_deliveries
        SET status = CASE WHEN \(dead) THEN 'dead' ELSE 'pending' END, last_status_code = \(statusCode), last_error = \(error),
            next_attempt_at = now() + make_interval(secs => \(retryIn.seconds))
        WHERE id = \(claimed.id) AND attempts = \(claimed.attempt)
        """, logger: logger
      ).collect()
      if dead {
        try await AuditEvent(
          action: "CALLBACK_DEAD_LETTERED",
          details: [
            "delivery_id": claimed.id.uuidString.lowercased(), "transaction_id": claimed.transactionID.uuidString.lowercased(),
            "attempts": String(claimed.attempt), "last_error": error,
          ]
        ).insert(on: connection, logger: logger)
      }
    }
  }

  /// Deliveries that are due (first attempt never taken, a retry's time come, a lease run
  /// out), leased again so that concurrent sweepers hand each out once.
  func due(lease: Duration, limit: Int = 200) async throws -> [(id: UUID, attempts: Int)] {
    let rows = try await postgres.query(
      """
      UPDATE idp.callback_deliveries SET next_attempt_at = now() + make_interval(secs => \(lease.seconds))
      WHERE id IN (SELECT id FROM idp.callback_deliveries WHERE status = 'pending' AND next_attempt_at <= now()
                   ORDER BY next_attempt_at LIMIT \(limit) FOR UPDATE SKIP LOCKED)
      RETURNING id, attempts
      """, logger: logger)
    var due: [(id: UUID, attempts: Int)] = []
    for try await (id, attempts) in rows.decode((UUID, Int).self) { due.append((id, attempts)) }
    return due
  }
}
