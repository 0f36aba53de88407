import Foundation
import Shared
import Testing

/// The pooled random source behind every token, code, secret and id Gatehouse makes.
@Suite(.timeLimit(.minutes(2))) struct SecureRandomTests {
  @Test func uuidsAreVersion4AndNeverRepeatAcrossConcurrentCallers() async {
    let ids = await withTaskGroup(of: [UUID].self) { group in
      for _ in 0..<8 { group.addTask { (0..<2_000).map { _ in SecureRandom.uuid() } } }
      return await group.reduce(into: [UUID]()) { $0 += $1 }
    }
    #expect(Set(ids).count == 16_000)
    for id in ids.prefix(500) {
      let text = id.uuidString.lowercased()
      #expect(Array(text)[14] == "4", "\(text)")
      #expect("89ab".contains(Array(text)[19]), "\(text)")
    }
  }

  @Test func bytesSpanPoolRefillsAndLookUniform() {
    // More than one 4 KiB pool in one call, and calls that straddle a refill.
    let large = SecureRandom.bytes(10_000)
    #expect(large.count == 10_000)
    var counts = [Int](repeating: 0, count: 256)
    for byte in large { counts[Int(byte)] += 1 }
    // 10,000 bytes over 256 values: about 39 each; a stuck or zeroed source is far off.
    #expect(counts.allSatisfy { (5...90).contains($0) }, "\(counts)")
    let pieces = (0..<1_000).map { _ in SecureRandom.bytes(37) }
    #expect(Set(pieces).count == 1_000)
    #expect(SecureRandom.hex(bytes: 16).count == 32)
    #expect(SecureRandom.hex(bytes: 16).allSatisfy { $0.isHexDigit && !$0.isUppercase })
  }
}
