/// Why a Redis command did not produce a reply.
public enum RedisError: Error, Sendable, CustomStringConvertible {
  /// Redis answered with an error reply (`-ERR ...`, `NOSCRIPT ...`).
  case server(String)
  /// The connection closed while the command was in flight; it may or may not have run.
  case connectionClosed
  /// No connection could be made; the next attempt waits for the back-off to pass.
  case unavailable(String)
  /// No reply within the command's time limit; the connection was closed.
  case timeout
  case protocolError(String)
  case unexpectedReply(String)

  public var description: String {
    switch self {
    case .server(let m): return "redis error: \(m)"
    case .connectionClosed: return "redis connection closed while a command was in flight"
    case .unavailable(let m): return "redis unavailable: \(m)"
    case .timeout: return "redis command timed out"
    case .protocolError(let m): return "redis protocol error: \(m)"
    case .unexpectedReply(let m): return "unexpected redis reply: \(m)"
    }
  }
}
