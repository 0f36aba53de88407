import PostgresNIO

/// A statement PostgreSQL refused for its data, and how to speak of any database error without
/// leaking what the statement carried.
public enum StatementRefused {
  /// The SQLSTATE of a server error, if `error` is one (also inside a transaction's error).
  public static func sqlState(of error: any Error) -> String? {
    switch error {
    case let error as PSQLError:
      return error.code == .server ? error.serverInfo?[.sqlState] : nil
    case let error as PostgresTransactionError:
      return [error.closureError, error.beginError, error.commitError].lazy.compactMap { $0.flatMap(sqlState(of:)) }.first
    default:
      return nil
    }
  }

  /// A value the database cannot hold (SQLSTATE class 22, data exception: too long for its
  /// column, a NUL byte, a number out of range). Rules should catch these first; this keeps a
  /// missed one a 422 instead of a 500.
  public static func isDataException(_ error: any Error) -> Bool {
    sqlState(of: error)?.hasPrefix("22") == true
  }

  /// A row that refers to one a concurrent transaction just deleted (SQLSTATE 23503, foreign key
  /// violation): an account deleted while one of its sign-ins ran. The request raced a deletion;
  /// sent again it is told what is left.
  public static func isGoneMeanwhile(_ error: any Error) -> Bool {
    sqlState(of: error) == "23503"
  }

  /// For logs: the error's kind, SQLSTATE and the server's message, never the statement, its
  /// bindings or the server's DETAIL (which quotes the failing row: a password hash, an e-mail).
  public static func loggable(_ error: any Error) -> String {
    switch error {
    case let error as PSQLError:
      let state = error.serverInfo?[.sqlState] ?? "-"
      let message = error.serverInfo?[.message] ?? ""
      return "PSQLError(\(error.code), sqlstate \(state)\(message.isEmpty ? "" : ": \(message)"))"
    case let error as PostgresTransactionError:
      let parts = [
        ("begin", error.beginError), ("closure", error.closureError), ("commit", error.commitError),
        ("rollback", error.rollbackError),
      ]
      return "PostgresTransactionError("
        + parts.compactMap { name, inner in inner.map { "\(name): \(loggable($0))" } }
        .joined(separator: ", ") + ")"
    default:
      return String(String(reflecting: error).prefix(500))
    }
  }
}

extension Problem {
  /// 422 for a value the database refused (see `StatementRefused.isDataException`).
  public static func valueNotStorable() -> Problem {
    RequestProblems.invalidValue.problem("A value is too long or holds characters that cannot be stored.")
  }
}
