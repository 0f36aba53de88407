import CHiredis
import NIOCore

/// One argument of a Redis command: text or raw bytes.
public enum RedisArgument: Sendable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
  case string(String)
  case bytes(ByteBuffer)

  public init(stringLiteral value: String) { self = .string(value) }
  public init(integerLiteral value: Int) { self = .string(String(value)) }
  public static func int(_ value: Int) -> RedisArgument { .string(String(value)) }

  fileprivate var bytes: [UInt8] {
    switch self {
    case .string(let s): return Array(s.utf8)
    case .bytes(let b): return Array(b.readableBytesView)
    }
  }
}

/// A command encoded to RESP by hiredis (`redisFormatCommandArgv`), ready to write.
public struct RedisCommand: Sendable {
  public let name: String
  public let encoded: ByteBuffer

  public init(_ arguments: [RedisArgument]) {
    if case .string(let first) = arguments.first { self.name = first } else { self.name = "" }
    self.encoded = Self.format(arguments.map(\.bytes))
  }

  public init(_ arguments: RedisArgument...) { self.init(arguments) }

  private static func format(_ arguments: [[UInt8]]) -> ByteBuffer {
    // One contiguous blob (never empty, so it always has a base address) and offsets into it.
    var blob: [UInt8] = []
    var offsets: [Int] = []
    for argument in arguments {
      offsets.append(blob.count)
      blob.append(contentsOf: argument)
    }
    blob.append(0)
    let lengths = arguments.map(\.count)
    var target: UnsafeMutablePointer<CChar>?
    let written: Int32 = blob.withUnsafeBufferPointer { base in
      guard let address = base.baseAddress else { return -1 }
      let start = UnsafeRawPointer(address)
      var argv: [UnsafePointer<CChar>?] = offsets.map {
        (start + $0).assumingMemoryBound(to: CChar.self)
      }
      return redisFormatCommandArgv(&target, Int32(argv.count), &argv, lengths)
    }
    guard written > 0, let target else { return ByteBuffer() }
    defer { redisFreeCommand(target) }
    return ByteBuffer(bytes: UnsafeRawBufferPointer(start: target, count: Int(written)))
  }
}
