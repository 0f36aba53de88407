import Foundation
import NIOCore
import NIOFoundationCompat

/// The one JSON configuration for wire formats: field names are spelled out in CodingKeys.
public enum JSON {
    public static func encode(_ value: some Encodable) throws -> ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        return try encoder.encodeAsByteBuffer(value, allocator: ByteBufferAllocator())
    }

    public static func decode<T: Decodable>(_ type: T.Type, from buffer: ByteBuffer) throws -> T {
        try JSONDecoder().decode(type, from: buffer)
    }
}

/// Unix time in milliseconds.
public func unixMilliseconds() -> Int64 {
    Int64((Date().timeIntervalSince1970 * 1000).rounded())
}
