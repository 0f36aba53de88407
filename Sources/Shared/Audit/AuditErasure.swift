import Foundation
import Logging
import PostgresNIO

/// The audit log's one permitted change (docs/leaving.md): an account that is gone loses its
/// personal data from the rows about it, and the hash chains still verify (audit migration 005).
public enum AuditErasure {
  /// Minimises every row `userID` wrote or is named in, inside the caller's transaction.
  /// Returns how many rows changed.
  public static func erase(userID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Int {
    for try await count in try await connection.query("SELECT audit.erase_person(\(userID))", logger: logger).decode(Int.self) {
      return count
    }
    return 0
  }
}

extension Database {
  /// What a service holds of an account that is gone, erased in one transaction with its audit
  /// row: each of `deletes` (a statement returning one row per row it removed), then the audit
  /// minimisation (rows written meanwhile included). The audit row names no one: `action`, the
  /// counts, and the deletion's request id.
  public func eraseAccount(
    _ userID: UUID, action: String, requestID: String?, logger: Logger, deletes: [PostgresQuery]
  ) async throws -> AccountErased {
    try await transaction(logger: logger) { connection in
      var deleted = 0
      for statement in deletes { deleted += try await connection.query(statement, logger: logger).collect().count }
      let minimised = try await AuditErasure.erase(userID: userID, on: connection, logger: logger)
      try await AuditEvent(
        action: action, requestID: requestID, details: ["rows_deleted": String(deleted), "audit_rows_minimised": String(minimised)]
      ).insert(on: connection, logger: logger)
      return AccountErased(rowsDeleted: deleted, auditRowsMinimised: minimised)
    }
  }
}
