import ArgumentParser
import Foundation
import Shared

/// `token-service admin verify-audit`: walks every chain of `audit.events` and reports each row
/// whose content no longer matches its hash, or whose predecessor is missing or was replaced.
/// Exit 0 when every chain is intact, 1 otherwise.
struct VerifyAuditCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "verify-audit", abstract: "Check the audit log's hash chains for tampering.")

  func run() async throws {
    let outcome = try await withBackendContext(.token) { context in
      try await AuditChainStore(postgres: context.postgres, logger: context.logger).verify()
    }
    for problem in outcome.problems { Output.line(problem) }
    Output.line(
      outcome.problems.isEmpty
        ? "audit log intact: \(outcome.rows) rows in \(outcome.chains) chains" : "audit log TAMPERED: \(outcome.problems.count) problems")
    if !outcome.problems.isEmpty { throw ExitCode(1) }
  }
}
