import NIOCore

/// One reply from Redis, decoded from RESP by hiredis.
public enum RESPValue: Sendable, Equatable {
  case simpleString(String)
  case error(String)
  case integer(Int)
  case bulkString(ByteBuffer)
  case array([RESPValue])
  case null

  public var string: String? {
    switch self {
    case .simpleString(let s): return s
    case .bulkString(let b): return String(buffer: b)
    case .integer(let i): return String(i)
    default: return nil
    }
  }

  public var int: Int? {
    switch self {
    case .integer(let i): return i
    case .bulkString(let b): return Int(String(buffer: b))
    case .simpleString(let s): return Int(s)
    default: return nil
    }
  }

  public var buffer: ByteBuffer? {
    switch self {
    case .bulkString(let b): return b
    case .simpleString(let s): return ByteBuffer(string: s)
    default: return nil
    }
  }

  public var array: [RESPValue]? {
    if case .array(let a) = self { return a }
    return nil
  }

  public var isNull: Bool { self == .null }
}
