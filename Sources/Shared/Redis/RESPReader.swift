import CHiredis
import NIOCore

/// hiredis' incremental RESP parser. Owned by one channel handler, used only on its event loop.
final class RESPReader {
  private let reader: UnsafeMutablePointer<redisReader>

  init() {
    self.reader = redisReaderCreate()
  }

  deinit {
    redisReaderFree(reader)
  }

  func feed(_ buffer: ByteBuffer) throws(RedisError) {
    let status = buffer.withUnsafeReadableBytes { bytes in
      redisReaderFeed(reader, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count)
    }
    guard status == REDIS_OK else { throw .protocolError(lastError) }
  }

  /// The next complete reply, or nil when more bytes are needed.
  func next() throws(RedisError) -> RESPValue? {
    var raw: UnsafeMutableRawPointer?
    guard redisReaderGetReply(reader, &raw) == REDIS_OK else { throw .protocolError(lastError) }
    guard let raw else { return nil }
    defer { freeReplyObject(raw) }
    return Self.convert(raw.assumingMemoryBound(to: redisReply.self))
  }

  private var lastError: String {
    withUnsafeBytes(of: reader.pointee.errstr) { bytes in
      String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }
  }

  private static func convert(_ reply: UnsafeMutablePointer<redisReply>) -> RESPValue {
    let r = reply.pointee
    switch r.type {
    case REDIS_REPLY_STRING:
      return .bulkString(ByteBuffer(bytes: UnsafeRawBufferPointer(start: r.str, count: r.len)))
    case REDIS_REPLY_STATUS:
      return .simpleString(text(r))
    case REDIS_REPLY_ERROR:
      return .error(text(r))
    case REDIS_REPLY_INTEGER:
      return .integer(Int(r.integer))
    case REDIS_REPLY_ARRAY:
      guard let elements = r.element else { return .array([]) }
      return .array((0..<r.elements).map { i in elements[i].map(convert) ?? .null })
    default:
      return .null
    }
  }

  private static func text(_ r: redisReply) -> String {
    String(decoding: UnsafeRawBufferPointer(start: r.str, count: r.len), as: UTF8.self)
  }
}
