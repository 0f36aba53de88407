// Net/: what Gatehouse may connect to when a URL comes from someone other than the operator.
#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#else
  import Darwin
#endif

/// An IPv4 or IPv6 address as bytes, read from its standard text (dotted quad, RFC 4291) or from
/// a socket address that the resolver returned.
public enum IPAddress: Sendable, Hashable, CustomStringConvertible {
  case v4(UInt32)
  /// 16 bytes, network order.
  case v6([UInt8])

  /// The standard forms only, as `inet_pton` reads them: `127.0.0.1`, `::1`, `::ffff:7f00:1`.
  /// Nil for anything else, the legacy IPv4 forms (`2130706433`, `0x7f.1`, `0177.0.0.1`, `127.1`) included.
  public init?(literal text: String) {
    var v4 = in_addr()
    if inet_pton(AF_INET, text, &v4) == 1 {
      self = .v4(UInt32(bigEndian: v4.s_addr))
      return
    }
    var v6 = in6_addr()
    guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
    self = .v6(withUnsafeBytes(of: &v6) { Array($0) })
  }

  /// True when `text` is an IPv4 address in one of the legacy forms `inet_aton` (and so
  /// `getaddrinfo`) reads but `inet_pton` does not: decimal, octal, hexadecimal, shortened.
  public static func isLegacyIPv4(_ text: String) -> Bool {
    var address = in_addr()
    return IPAddress(literal: text) == nil && inet_aton(text, &address) != 0
  }

  init?(socketAddress: UnsafePointer<sockaddr>) {
    switch Int32(socketAddress.pointee.sa_family) {
    case AF_INET:
      let address = socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
        $0.pointee.sin_addr
      }
      self = .v4(UInt32(bigEndian: address.s_addr))
    case AF_INET6:
      var address = socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
        $0.pointee.sin6_addr
      }
      self = .v6(withUnsafeBytes(of: &address) { Array($0) })
    default:
      return nil
    }
  }

  /// The bytes, network order: 4 for IPv4 and for IPv4-mapped IPv6 (`::ffff:a.b.c.d`, one
  /// client seen through a dual-stack socket), 16 for other IPv6.
  public var bytes: [UInt8] {
    switch self {
    case .v4(let value):
      return withUnsafeBytes(of: value.bigEndian) { Array($0) }
    case .v6(let bytes):
      if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF { return Array(bytes[12...]) }
      return bytes
    }
  }

  public var description: String {
    var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
    switch self {
    case .v4(let value):
      var address = in_addr(s_addr: value.bigEndian)
      inet_ntop(AF_INET, &address, &text, socklen_t(text.count))
    case .v6(let bytes):
      var address = in6_addr()
      withUnsafeMutableBytes(of: &address) { $0.copyBytes(from: bytes) }
      inet_ntop(AF_INET6, &address, &text, socklen_t(text.count))
    }
    return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}
