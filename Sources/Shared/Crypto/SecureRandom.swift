import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Random values from the kernel's CSPRNG (`/dev/urandom`, opened once), drawn 4 KiB at a time into a pool that
/// hands each byte out once and then zeroes it. Foundation's `UUID()` on Linux opens, reads and
/// closes `/dev/urandom` for every identifier, and `SystemRandomNumberGenerator` makes one
/// system call per 8 bytes; with a request id, an RPC call id and a token id per request those
/// system calls showed among the gateway's and idp-service's busiest under load.
public enum SecureRandom {
  private struct Pool: ~Copyable {
    var buffer = [UInt8](repeating: 0, count: 4096)
    var next = 4096
    var source: Int32 = -1
  }

  private static let pool = Mutex(Pool())

  /// Fills `target` with random bytes.
  public static func fill(_ target: UnsafeMutableRawBufferPointer) {
    pool.withLock { pool in
      var written = 0
      while written < target.count {
        if pool.next == pool.buffer.count {
          if pool.source < 0 { pool.source = openSource() }
          refill(&pool.buffer, from: pool.source)
          pool.next = 0
        }
        let count = min(target.count - written, pool.buffer.count - pool.next)
        pool.buffer.withUnsafeMutableBytes { source in
          let taken = UnsafeMutableRawBufferPointer(rebasing: source[pool.next..<pool.next + count])
          UnsafeMutableRawBufferPointer(rebasing: target[written..<written + count]).copyMemory(from: UnsafeRawBufferPointer(taken))
          taken.initializeMemory(as: UInt8.self, repeating: 0)
        }
        pool.next += count
        written += count
      }
    }
  }

  private static func openSource() -> Int32 {
    let descriptor = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
    if descriptor < 0 { fatalError("cannot open /dev/urandom: errno \(errno)") }
    return descriptor
  }

  private static func refill(_ buffer: inout [UInt8], from source: Int32) {
    buffer.withUnsafeMutableBytes { raw in
      var filled = 0
      while filled < raw.count {
        let got = read(source, raw.baseAddress! + filled, raw.count - filled)
        if got > 0 {
          filled += got
        } else if got == 0 || errno != EINTR {
          fatalError("reading /dev/urandom failed: errno \(errno)")
        }
      }
    }
  }

  public static func bytes(_ count: Int) -> [UInt8] {
    [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
      fill(UnsafeMutableRawBufferPointer(buffer))
      initialized = count
    }
  }

  public static func hex(bytes count: Int) -> String {
    let hex = Array("0123456789abcdef".utf8)
    var digits: [UInt8] = []
    digits.reserveCapacity(count * 2)
    for byte in bytes(count) {
      digits.append(hex[Int(byte >> 4)])
      digits.append(hex[Int(byte & 0xF)])
    }
    return String(decoding: digits, as: UTF8.self)
  }

  /// A version 4 (random) UUID, RFC 9562 section 5.4.
  public static func uuid() -> UUID {
    var raw = bytes(16)
    raw[6] = raw[6] & 0x0F | 0x40
    raw[8] = raw[8] & 0x3F | 0x80
    return UUID(
      uuid: (
        raw[0], raw[1], raw[2], raw[3], raw[4], raw[5], raw[6], raw[7],
        raw[8], raw[9], raw[10], raw[11], raw[12], raw[13], raw[14], raw[15]
      ))
  }
}
