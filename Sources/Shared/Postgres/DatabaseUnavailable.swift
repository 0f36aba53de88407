import NIOCore
import PostgresNIO
import _ConnectionPoolModule

/// Tells a failure to reach PostgreSQL (down, restarting, refusing connections, or not answering
/// before the request's deadline) from a statement the server refused. The first kind becomes a
/// 503 `database_unavailable` that tells the client to retry; the second stays an error of its own.
public enum DatabaseUnavailable {
  /// SQLSTATE classes and codes that mean "the server is going away or not accepting work yet":
  /// 08 connection exception, 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03
  /// cannot_connect_now, 53300 too_many_connections.
  static let unavailableStates: Set<String> = ["57P01", "57P02", "57P03", "53300"]

  public static func matches(_ error: any Error) -> Bool {
    switch error {
    case let error as PSQLError:
      switch error.code {
      case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed,
        .queryCancelled:
        return true
      case .server:
        guard let state = error.serverInfo?[.sqlState] else { return false }
        return state.hasPrefix("08") || unavailableStates.contains(state)
      default:
        return false
      }
    case is ConnectionPoolError:
      // The lease was cancelled at the request's deadline, the circuit breaker tripped after
      // 15 s without a connection, or the pool is shutting down.
      return true
    case let error as PostgresTransactionError:
      return [error.beginError, error.closureError, error.commitError, error.rollbackError]
        .contains { $0.map(matches) ?? false }
    case is ChannelError, is IOError:
      return true
    default:
      return false
    }
  }
}

extension Problem {
  /// 503: PostgreSQL could not be reached in time. Nothing was changed unless the request was
  /// already committed; clients retry after `Retry-After`.
  public static func databaseUnavailable() -> Problem {
    PlatformProblems.databaseUnavailable.problem("The database could not be reached in time. Retry shortly.", retryAfterSeconds: 1)
  }
}
