import Foundation
import Logging
import PostgresNIO
import Shared

/// The audit log's hash chains (docs/admin.md, "Audit log"): the check itself, in SQL next to
/// the data with the same text form the trigger hashed (`audit.event_intact`, which knows both
/// formats and erased rows, docs/leaving.md), and the scheduled checks' results.
struct AuditChainStore: Sendable {
  let postgres: Database
  let logger: Logger

  struct Outcome: Sendable {
    let rows: Int
    let chains: Int
    /// Each row whose content no longer matches its hash, or whose predecessor is missing or was replaced.
    let problems: [String]
  }

  func verify() async throws -> Outcome {
    try await postgres.withConnection { try await Self.verify(on: $0, logger: logger) }
  }

  /// One instance checks every `seconds` however many run (a transaction-scoped advisory lock,
  /// then the last result's age), and records what it found. Nil when another did it.
  func checkIfDue(everySeconds seconds: Int) async throws -> Outcome? {
    try await postgres.transaction(logger: logger) { connection in
      let claimed = try await connection.query(
        """
        SELECT pg_try_advisory_xact_lock(\(Self.lockKey))
          AND coalesce((SELECT max(checked_at) FROM audit.chain_checks) < now() - make_interval(secs => \(Double(seconds))), true)
        """, logger: logger
      ).collect().first?.decode(Bool.self)
      guard claimed == true else { return nil }
      // The walk reads the whole log: no GATEHOUSE_PG_STATEMENT_TIMEOUT_MS for it.
      _ = try await connection.query("SET LOCAL statement_timeout = 0", logger: logger).collect()
      let outcome = try await Self.verify(on: connection, logger: logger)
      _ = try await connection.query(
        """
        INSERT INTO audit.chain_checks (rows_checked, chains, problem_count, problems)
        VALUES (\(outcome.rows), \(outcome.chains), \(outcome.problems.count), \(Array(outcome.problems.prefix(20))))
        """, logger: logger
      ).collect()
      return outcome
    }
  }

  /// The latest scheduled check, if one ran.
  func latest() async throws -> AuditChainCheck? {
    let rows = try await postgres.query(
      "SELECT checked_at, rows_checked, chains, problem_count, problems FROM audit.chain_checks ORDER BY id DESC LIMIT 1",
      logger: logger)
    for try await (at, checked, chains, count, problems) in rows.decode((Date, Int, Int, Int, [String]).self) {
      return AuditChainCheck(checkedAt: at, rows: checked, chains: chains, problemCount: count, problems: problems)
    }
    return nil
  }

  /// An arbitrary constant: the advisory lock of the scheduled check.
  private static let lockKey: Int64 = 0x6768_6175_6469_7463

  private static func verify(on connection: PostgresConnection, logger: Logger) async throws -> Outcome {
    let rows = try await connection.query(
      """
      SELECT e.id, e.chain, e.chain_seq,
             audit.event_intact(e),
             e.chain_seq = 1 OR p.hash IS NOT NULL,
             e.prev_hash = coalesce(p.hash, '\\x'::bytea)
      FROM audit.events e
      LEFT JOIN audit.events p ON p.chain = e.chain AND p.chain_seq = e.chain_seq - 1
      WHERE e.hash IS NOT NULL
      ORDER BY e.chain, e.chain_seq
      """, logger: logger)
    var count = 0
    var chains = Set<Int>()
    var broken: [String] = []
    for try await (id, chain, seq, contentIntact, predecessorPresent, linked) in rows.decode((Int64, Int, Int64, Bool, Bool, Bool).self) {
      count += 1
      chains.insert(chain)
      if !contentIntact { broken.append("row \(id) (chain \(chain), #\(seq)): its content does not match its hash") }
      if !predecessorPresent {
        broken.append("row \(id) (chain \(chain), #\(seq)): the row before it is missing")
      } else if !linked {
        broken.append("row \(id) (chain \(chain), #\(seq)): the row before it was replaced")
      }
    }
    return Outcome(rows: count, chains: chains.count, problems: broken)
  }
}
