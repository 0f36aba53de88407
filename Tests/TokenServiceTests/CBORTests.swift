import Testing

@testable import TokenService

/// CBORDecoder (RFC 8949) on the items WebAuthn sends, and on input that lies about its size,
/// nests without end or uses what WebAuthn never does.
@Suite(.timeLimit(.minutes(1))) struct CBORTests {
  func failure(_ bytes: [UInt8]) -> CBORError? {
    do {
      _ = try CBORDecoder.decode(bytes)
      return nil
    } catch {
      return error
    }
  }

  @Test func everyKindReadsBackAsEncoded() throws {
    let value = CBORValue.map([
      .int(1): .int(2), .int(-1): .int(-7), .int(-300): .unsigned(UInt64.max), .text("bytes"): .bytes([0, 1, 255]),
      .text("text"): .text("passkey ✓"), .text("list"): .array([.bool(true), .bool(false), .null, .negative(UInt64.max)]),
      .text("nested"): .map([:]), .text("long"): .bytes(Array(repeating: 9, count: 70_000)),
    ])
    #expect(try CBORDecoder.decode(TestCBOR.encode(value)) == value)
  }

  @Test func integersDecodeFromEveryHeadWidth() throws {
    #expect(try CBORDecoder.decode([0x17]) == .unsigned(23))
    #expect(try CBORDecoder.decode([0x18, 0xff]) == .unsigned(255))
    #expect(try CBORDecoder.decode([0x19, 0x01, 0x00]) == .unsigned(256))
    #expect(try CBORDecoder.decode([0x1a, 0, 1, 0, 0]) == .unsigned(65_536))
    #expect(try CBORDecoder.decode([0x1b, 0, 0, 0, 1, 0, 0, 0, 0]) == .unsigned(1 << 32))
    #expect(try CBORDecoder.decode([0x20]).intValue == -1)
    #expect(try CBORDecoder.decode([0x39, 0x01, 0x00]).intValue == -257)
    #expect(try CBORDecoder.decode([0x3b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]) == .negative(UInt64.max))
    #expect(CBORValue.negative(UInt64.max).intValue == nil)
    #expect(CBORValue.int(-7) == .negative(6) && CBORValue.int(7) == .unsigned(7))
  }

  @Test func oneItemSaysHowManyBytesItTookAndDecodeRefusesTheRest() throws {
    let key = TestCBOR.encode(TestCBOR.labels([1: .int(2), 3: .int(-7)]))
    let (value, length) = try CBORDecoder.decodeItem([0xaa] + key + [0xa1, 0x01, 0x02], at: 1)
    #expect(length == key.count && value[label: 3] == .int(-7))
    #expect(failure(key + [0x00]) == .trailingBytes)
  }

  @Test func aLengthLargerThanTheBytesLeftIsRefusedBeforeAllocating() {
    #expect(failure([0x45, 1, 2, 3]) == .lengthExceedsInput)
    #expect(failure([0x65, 0x61, 0x62]) == .lengthExceedsInput)
    #expect(failure([0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0]) == .lengthExceedsInput)
    #expect(failure([0x9b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0]) == .lengthExceedsInput)
    #expect(failure([0x83, 0x01, 0x02]) == .lengthExceedsInput)
    // A map of 2 entries needs at least 4 bytes.
    #expect(failure([0xa2, 0x01, 0x02, 0x03]) == .lengthExceedsInput)
    #expect(failure([0x82, 0x01, 0x19]) == .truncated)
  }

  @Test func aHeadCutShortIsTruncated() {
    #expect(failure([]) == .truncated)
    #expect(failure([0x19, 0x01]) == .truncated)
    #expect(failure([0x3a, 0x00, 0x00]) == .truncated)
    #expect(failure([0x58]) == .truncated)
  }

  @Test func indefiniteLengthsAndBreakAreRefused() {
    for head: UInt8 in [0x5f, 0x7f, 0x9f, 0xbf, 0xff] {
      #expect(failure([head, 0x01, 0xff]) == .indefiniteLength, "head \(head)")
    }
    #expect(failure([0x1c]) == .reservedAdditionalInformation)
  }

  @Test func nestingStopsAtTheDepthLimit() throws {
    func nested(_ levels: Int) -> [UInt8] { Array(repeating: 0x81, count: levels - 1) + [0x80] }
    _ = try CBORDecoder.decode(nested(CBORDecoder.maxDepth))
    #expect(failure(nested(CBORDecoder.maxDepth + 1)) == .tooDeep)
    #expect(failure(Array(repeating: 0xa1, count: 40) + [0x01]) == .tooDeep)
    #expect(failure(Array(repeating: 0x81, count: 100_000)) == .tooDeep)
  }

  @Test func tagsFloatsAndOtherSimpleValuesAreRefused() {
    #expect(failure([0xc0, 0x60]) == .tagged)
    #expect(failure([0xd8, 0x18, 0x41, 0x00]) == .tagged)
    #expect(failure([0xf9, 0x3c, 0x00]) == .unsupportedSimpleValue)
    #expect(failure([0xfb, 0, 0, 0, 0, 0, 0, 0, 0]) == .unsupportedSimpleValue)
    #expect(failure([0xf7]) == .unsupportedSimpleValue)
    #expect(failure([0xe0]) == .unsupportedSimpleValue)
  }

  @Test func mapKeysAreIntegersOrTextEachOnce() {
    #expect(failure([0xa2, 0x01, 0x02, 0x01, 0x03]) == .duplicateMapKey)
    #expect(failure([0xa1, 0x41, 0x00, 0x01]) == .unsupportedMapKey)
    #expect(failure([0xa1, 0x80, 0x01]) == .unsupportedMapKey)
    #expect(failure([0xa1, 0xf6, 0x01]) == .unsupportedMapKey)
  }

  @Test func textMustBeUTF8() {
    #expect(failure([0x62, 0xc3, 0x28]) == .invalidUTF8)
  }
}
