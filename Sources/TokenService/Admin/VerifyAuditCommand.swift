import ArgumentParser
import Foundation
import Logging
import PostgresNIO
import Shared

/// `token-service admin verify-audit`: walks every chain of `audit.events` and reports each row
/// whose content no longer matches its hash, or whose predecessor is missing or was replaced.
/// Exit 0 when every chain is intact, 1 otherwise.
struct VerifyAuditCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "verify-audit", abstract: "Check the audit log's hash chains for tampering.")

  func run() async throws {
    let (rows, chains, broken) = try await withBackendContext(.token) { context in
      try await AuditChain(postgres: context.postgres, logger: context.logger).verify()
    }
    for problem in broken { Output.line(problem) }
    Output.line(broken.isEmpty ? "audit log intact: \(rows) rows in \(chains) chains" : "audit log TAMPERED: \(broken.count) problems")
    if !broken.isEmpty { throw ExitCode(1) }
  }
}

/// The check itself: in SQL, next to the data, with the same text form the trigger hashed.
struct AuditChain: Sendable {
  let postgres: Database
  let logger: Logger

  func verify() async throws -> (rows: Int, chains: Int, broken: [String]) {
    let rows = try await postgres.query(
      """
      SELECT e.id, e.chain, e.chain_seq,
             e.hash = sha256(e.prev_hash || convert_to(audit.event_text(e), 'UTF8')),
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
    return (count, chains.count, broken)
  }
}
