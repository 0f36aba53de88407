import Foundation
import Testing

@testable import Shared

/// Gatehouse's own RFC 3339 writer and reader agree with Foundation's ISO 8601 strategy, which
/// they replaced on the hot path.
@Suite(.timeLimit(.minutes(2))) struct InternetTimeTests {
  @Test func writesAndReadsWhatFoundationDoes() throws {
    var generator = SystemRandomNumberGenerator()
    var samples: [TimeInterval] = [0, -1, 951_782_400, 951_868_799, 4_107_542_399, -62_135_596_800, 253_402_300_799, 1_795_348_805.999]
    for _ in 0..<20_000 { samples.append(TimeInterval(Int64.random(in: -62_135_596_800...253_402_300_799, using: &generator))) }
    for seconds in samples {
      let date = Date(timeIntervalSince1970: seconds)
      let ours = InternetTime.format(date)
      #expect(ours == date.formatted(.iso8601), "\(seconds)")
      let parsed = try #require(InternetTime.parse(ours))
      #expect(parsed == (try Date(ours, strategy: .iso8601)), "\(ours)")
    }
  }

  @Test func leavesOtherFormsToFoundationAndRefusesNonsense() {
    #expect(InternetTime.parse("2026-11-22T21:00:05+09:00") == Date(timeIntervalSince1970: 1_795_348_805))
    // What the fast path refuses gets Foundation's answer, lenient or not.
    for text in ["2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-22T24:00:00Z", "2026-11-22 12:00:05Z", "1500-03-01T00:00:00Z"] {
      #expect(InternetTime.parse(text) == (try? Date(text, strategy: .iso8601)), "\(text)")
    }
    for text in ["", "yesterday", "2026-11-22T12:00:0xZ", "2026-11-22T12:00:05"] {
      #expect(InternetTime.parse(text) == nil, "\(text)")
    }
  }

  @Test func jsonCarriesDatesInThatForm() throws {
    struct Stamped: Codable, Equatable { let at: Date }
    let value = Stamped(at: Date(timeIntervalSince1970: 1_795_348_805))
    let encoded = try JSON.encode(value)
    #expect(String(buffer: encoded) == #"{"at":"2026-11-22T12:00:05Z"}"#)
    #expect(try JSON.decode(Stamped.self, from: encoded) == value)
  }
}
