import Foundation
import Logging
import PostgresNIO
import Shared

/// Marks deliveries delivered in batches: while one UPDATE is on its way, the marks that arrive
/// wait and go together in the next, so under load many callbacks cost one statement and one
/// commit, and alone a mark goes at once. Each caller returns when its own mark is stored (or
/// with the error that stopped it; the delivery is then sent again after its lease, under the
/// same id, which the SP de-duplicates).
actor DeliveredMarks {
  struct Mark: Sendable {
    let id: UUID
    let attempt: Int
    let statusCode: Int
  }

  private let postgres: Database
  private let logger: Logger
  private var waiting: [(Mark, CheckedContinuation<Void, any Error>)] = []
  private var flushing = false

  init(postgres: Database, logger: Logger) {
    self.postgres = postgres
    self.logger = logger
  }

  func store(_ mark: Mark) async throws {
    try await withCheckedThrowingContinuation { continuation in
      waiting.append((mark, continuation))
      if !flushing {
        flushing = true
        Task { await self.flush() }
      }
    }
  }

  private func flush() async {
    while !waiting.isEmpty {
      let batch = waiting
      waiting = []
      // No two batches share a row (each delivery attempt is claimed by one worker), so the
      // order of the marks cannot make two batches wait for each other.
      let marks = batch.map(\.0)
      do {
        for try await _ in try await postgres.execute(Delivered(marks: marks), logger: logger) {}
        for (_, continuation) in batch { continuation.resume() }
      } catch {
        for (_, continuation) in batch { continuation.resume(throwing: error) }
      }
    }
    flushing = false
  }

  struct Delivered: PostgresPreparedStatement {
    static let sql = """
      UPDATE idp.callback_deliveries d
      SET status = 'delivered', delivered_at = now(), last_status_code = m.code, last_error = NULL
      FROM unnest($1::uuid[], $2::int8[], $3::int8[]) AS m(id, attempt, code)
      WHERE d.id = m.id AND d.attempts = m.attempt
      """

    let marks: [Mark]

    func makeBindings() throws -> PostgresBindings {
      var bindings = PostgresBindings()
      bindings.append(marks.map(\.id))
      bindings.append(marks.map(\.attempt))
      bindings.append(marks.map(\.statusCode))
      return bindings
    }

    func decodeRow(_ row: PostgresRow) throws {}
  }
}
