/// One CBOR data item (RFC 8949) of the kinds WebAuthn sends: the attestation object, the
/// credential public key (COSE_Key) and authenticator extensions. Floats, tags, `undefined` and
/// indefinite lengths never appear there, so `CBORDecoder` refuses them instead of modelling them.
enum CBORValue: Hashable, Sendable {
  /// Major type 0: a non-negative integer.
  case unsigned(UInt64)
  /// Major type 1: the integer `-1 - n` for the `n` held here (so `.negative(0)` is -1), which
  /// reaches down to -2^64 without overflowing.
  case negative(UInt64)
  /// Major type 2.
  case bytes([UInt8])
  /// Major type 3, valid UTF-8.
  case text(String)
  /// Major type 4.
  case array([CBORValue])
  /// Major type 5, with integer or text keys, each key once.
  case map([CBORValue: CBORValue])
  /// Simple values 20 and 21.
  case bool(Bool)
  /// Simple value 22.
  case null

  /// An integer value as `Int` when it fits: COSE labels and algorithm numbers are small.
  var intValue: Int? {
    switch self {
    case .unsigned(let n): return n <= UInt64(Int.max) ? Int(n) : nil
    case .negative(let n): return n <= UInt64(Int.max) ? -1 - Int(n) : nil
    default: return nil
    }
  }

  /// The CBOR integer `value`, for building keys and comparing labels.
  static func int(_ value: Int) -> CBORValue {
    value >= 0 ? .unsigned(UInt64(value)) : .negative(UInt64(-1 - value))
  }

  /// The value under an integer key of a map (COSE labels), or nil.
  subscript(label label: Int) -> CBORValue? {
    guard case .map(let entries) = self else { return nil }
    return entries[.int(label)]
  }

  /// The value under a text key of a map (the attestation object's keys), or nil.
  subscript(key: String) -> CBORValue? {
    guard case .map(let entries) = self else { return nil }
    return entries[.text(key)]
  }
}

/// Why some bytes are not a CBOR item `CBORDecoder` accepts; the ceremonies turn each into
/// `passkey_invalid` with the description as detail.
enum CBORError: Error, Equatable, Sendable, CustomStringConvertible {
  /// The input ended inside an item's head or before the item began.
  case truncated
  /// A string, array or map says it is longer than the bytes left: never allocate on its word.
  case lengthExceedsInput
  /// Additional information 31 (indefinite length, or a stray "break").
  case indefiniteLength
  /// Additional information 28-30.
  case reservedAdditionalInformation
  /// A tag (major type 6): WebAuthn uses none.
  case tagged
  /// Floats, `undefined` and the other simple values.
  case unsupportedSimpleValue
  /// More nested arrays and maps than `CBORDecoder.maxDepth`.
  case tooDeep
  /// A text string that is not UTF-8.
  case invalidUTF8
  /// A map key that is neither an integer nor a text string.
  case unsupportedMapKey
  /// The same key twice in one map (RFC 8949 section 5.6: not valid CBOR).
  case duplicateMapKey
  /// Bytes after the one item `decode` was given.
  case trailingBytes

  var description: String {
    switch self {
    case .truncated: "CBOR ends inside an item"
    case .lengthExceedsInput: "a CBOR length is larger than the bytes that follow"
    case .indefiniteLength: "indefinite-length CBOR is not accepted"
    case .reservedAdditionalInformation: "CBOR uses reserved additional information"
    case .tagged: "tagged CBOR is not accepted"
    case .unsupportedSimpleValue: "CBOR floats and simple values other than false, true and null are not accepted"
    case .tooDeep: "CBOR is nested too deeply"
    case .invalidUTF8: "a CBOR text string is not UTF-8"
    case .unsupportedMapKey: "a CBOR map key is neither an integer nor a text string"
    case .duplicateMapKey: "a CBOR map has the same key twice"
    case .trailingBytes: "bytes follow the CBOR item"
    }
  }
}

/// Decodes the definite-length CBOR WebAuthn uses. Input comes from the browser, so every length
/// is checked against the bytes left before anything is allocated, and nesting is capped.
enum CBORDecoder {
  /// The deepest nesting of arrays and maps accepted: a COSE key or attestation object needs 3.
  static let maxDepth = 16

  /// Decodes `bytes` as exactly one item; bytes after it are an error.
  static func decode(_ bytes: [UInt8]) throws(CBORError) -> CBORValue {
    let (value, length) = try decodeItem(bytes)
    guard length == bytes.count else { throw .trailingBytes }
    return value
  }

  /// Decodes the one item starting at `offset` and says how many bytes it took, for an item
  /// that other bytes follow (the credential public key inside authenticator data).
  static func decodeItem(_ bytes: [UInt8], at offset: Int = 0) throws(CBORError) -> (value: CBORValue, length: Int) {
    guard offset >= 0 else { throw .truncated }
    var reader = Reader(bytes: bytes, offset: offset)
    let value = try reader.item(depth: 0)
    return (value, reader.offset - offset)
  }

  /// A cursor over the input; every read checks the bytes left first.
  private struct Reader {
    let bytes: [UInt8]
    var offset: Int

    var remaining: Int { bytes.count - offset }

    mutating func byte() throws(CBORError) -> UInt8 {
      guard offset < bytes.count else { throw .truncated }
      defer { offset += 1 }
      return bytes[offset]
    }

    mutating func take(_ count: Int) throws(CBORError) -> [UInt8] {
      guard count <= remaining else { throw .lengthExceedsInput }
      defer { offset += count }
      return Array(bytes[offset..<offset + count])
    }

    /// The head's argument: the value in the low five bits, or the 1, 2, 4 or 8 bytes after it.
    mutating func argument(_ info: UInt8) throws(CBORError) -> UInt64 {
      switch info {
      case 0...23: return UInt64(info)
      case 24...27:
        let width = 1 << Int(info - 24)
        guard width <= remaining else { throw .truncated }
        var value: UInt64 = 0
        for _ in 0..<width { value = try value << 8 | UInt64(byte()) }
        return value
      case 28...30: throw .reservedAdditionalInformation
      default: throw .indefiniteLength
      }
    }

    /// A length from a head, refused when larger than the bytes left (each element of an array
    /// takes at least one byte, each map entry two), so no length is trusted before it is seen.
    mutating func length(_ info: UInt8, bytesPerElement: Int) throws(CBORError) -> Int {
      let count = try argument(info)
      guard count <= UInt64(remaining / bytesPerElement) else { throw .lengthExceedsInput }
      return Int(count)
    }

    mutating func item(depth: Int) throws(CBORError) -> CBORValue {
      let head = try byte()
      let major = head >> 5
      let info = head & 0x1f
      switch major {
      case 0: return try .unsigned(argument(info))
      case 1: return try .negative(argument(info))
      case 2: return try .bytes(take(length(info, bytesPerElement: 1)))
      case 3:
        let raw = try take(length(info, bytesPerElement: 1))
        guard let text = String(validating: raw, as: UTF8.self) else { throw .invalidUTF8 }
        return .text(text)
      case 4:
        guard depth < CBORDecoder.maxDepth else { throw .tooDeep }
        let count = try length(info, bytesPerElement: 1)
        var elements: [CBORValue] = []
        elements.reserveCapacity(count)
        for _ in 0..<count { try elements.append(item(depth: depth + 1)) }
        return .array(elements)
      case 5:
        guard depth < CBORDecoder.maxDepth else { throw .tooDeep }
        return try .map(map(count: length(info, bytesPerElement: 2), depth: depth))
      case 6: throw .tagged
      default: return try simple(info)
      }
    }

    mutating func map(count: Int, depth: Int) throws(CBORError) -> [CBORValue: CBORValue] {
      var entries: [CBORValue: CBORValue] = [:]
      entries.reserveCapacity(count)
      for _ in 0..<count {
        let key = try item(depth: depth + 1)
        switch key {
        case .unsigned, .negative, .text: break
        default: throw .unsupportedMapKey
        }
        let value = try item(depth: depth + 1)
        guard entries.updateValue(value, forKey: key) == nil else { throw .duplicateMapKey }
      }
      return entries
    }

    /// Major type 7: only false, true and null.
    func simple(_ info: UInt8) throws(CBORError) -> CBORValue {
      switch info {
      case 20: return .bool(false)
      case 21: return .bool(true)
      case 22: return .null
      case 31: throw .indefiniteLength
      default: throw .unsupportedSimpleValue
      }
    }
  }
}
