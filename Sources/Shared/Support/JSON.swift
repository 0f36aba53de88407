import Foundation
import NIOCore
import NIOFoundationCompat

/// The one JSON configuration for wire formats: field names are spelled out in CodingKeys,
/// dates are ISO 8601.
public enum JSON {
  // One of each for the process: making a coder per call showed in profiles, and both are
  // safe to share (their options are not changed after this).
  private static let encoder: JSONEncoder = {
    let encoder = JSONEncoder()
    encoder.outputFormatting = .withoutEscapingSlashes
    encoder.dateEncodingStrategy = .custom { date, encoder in
      var container = encoder.singleValueContainer()
      try container.encode(InternetTime.format(date))
    }
    return encoder
  }()

  private static let decoder: JSONDecoder = {
    let decoder = JSONDecoder()
    decoder.dateDecodingStrategy = .custom { decoder in
      let container = try decoder.singleValueContainer()
      guard let date = InternetTime.parse(try container.decode(String.self)) else {
        throw DecodingError.dataCorruptedError(in: container, debugDescription: "Expected date string to be ISO8601-formatted.")
      }
      return date
    }
    return decoder
  }()

  public static func encode(_ value: some Encodable) throws -> ByteBuffer {
    try encoder.encodeAsByteBuffer(value, allocator: ByteBufferAllocator())
  }

  public static func decode<T: Decodable>(_ type: T.Type, from buffer: ByteBuffer) throws -> T {
    try decoder.decode(type, from: buffer)
  }
}

/// JSON string literals, for the few messages Gatehouse writes by hand.
enum JSONText {
  /// `value` as a JSON string literal, quotes included.
  static func quoted(_ value: String) -> String {
    var out = "\""
    out.reserveCapacity(value.utf8.count + 2)
    for scalar in value.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case _ where scalar.value < 0x20:
        out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }
}

/// Unix time in milliseconds.
public func unixMilliseconds() -> Int64 {
  Int64((Date().timeIntervalSince1970 * 1000).rounded())
}
