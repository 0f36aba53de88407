import Foundation

/// The three containers of `SchemaReflection.Reflector`. Every typed overload goes through the
/// generic one: the placeholders and the schemas are the reflector's.
extension SchemaReflection {
  struct KeyedReflector<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: Reflector
    var codingPath: [any CodingKey] { decoder.codingPath }
    var allKeys: [Key] { [] }

    func contains(_ key: Key) -> Bool { true }
    func decodeNil(forKey key: Key) throws -> Bool { false }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try decoder.member(type, key, required: true) }
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? { try decoder.member(type, key, required: false) }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try decoder.member(type, key, required: true) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try decoder.member(type, key, required: true) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try decoder.member(type, key, required: true) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try decoder.member(type, key, required: true) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try decoder.member(type, key, required: true) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try decoder.member(type, key, required: true) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try decoder.member(type, key, required: true) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try decoder.member(type, key, required: true) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try decoder.member(type, key, required: true) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try decoder.member(type, key, required: true) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try decoder.member(type, key, required: true) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try decoder.member(type, key, required: true) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try decoder.member(type, key, required: true) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try decoder.member(type, key, required: true) }
    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { try decoder.member(type, key, required: false) }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? { try decoder.member(type, key, required: false) }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? { try decoder.member(type, key, required: false) }
    func decodeIfPresent(_ type: Float.Type, forKey key: Key) throws -> Float? { try decoder.member(type, key, required: false) }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try decoder.member(type, key, required: false) }
    func decodeIfPresent(_ type: Int8.Type, forKey key: Key) throws -> Int8? { try decoder.member(type, key, required: false) }
    func decodeIfPresent(_ type: Int16.Type, forKey key: Key) throws -> Int16? { try decoder.member(type, key, required: false) }
    func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? { try decoder.member(type, key, required: false) }
    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { try decoder.member(type, key, required: false) }
    func decodeIfPresent(_ type: UInt.Type, forKey key: Key) throws -> UInt? { try decoder.member(type, key, required: false) }
    func decodeIfPresent(_ type: UInt8.Type, forKey key: Key) throws -> UInt8? { try decoder.member(type, key, required: false) }
    func decodeIfPresent(_ type: UInt16.Type, forKey key: Key) throws -> UInt16? { try decoder.member(type, key, required: false) }
    func decodeIfPresent(_ type: UInt32.Type, forKey key: Key) throws -> UInt32? { try decoder.member(type, key, required: false) }
    func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? { try decoder.member(type, key, required: false) }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
      throw DecodingError.typeMismatch(type, .init(codingPath: codingPath, debugDescription: "nested containers are not reflected"))
    }
    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
      throw DecodingError.typeMismatch([Any].self, .init(codingPath: codingPath, debugDescription: "nested containers are not reflected"))
    }
    func superDecoder() throws -> any Decoder { decoder }
    func superDecoder(forKey key: Key) throws -> any Decoder { decoder }
  }

  /// One element, whose schema is the array's items'.
  final class UnkeyedReflector: UnkeyedDecodingContainer {
    let decoder: Reflector
    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { 1 }
    var currentIndex = 0
    var isAtEnd: Bool { currentIndex >= 1 }

    init(decoder: Reflector) {
      self.decoder = decoder
      decoder.items = decoder.items ?? .freeForm
    }

    func decodeNil() throws -> Bool { false }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try element(type) }
    private func element<T: Decodable>(_ type: T.Type) throws -> T {
      let (value, schema) = try SchemaReflection.reflect(type, codingPath: codingPath, depth: decoder.depth + 1)
      decoder.items = schema
      currentIndex += 1
      return value
    }
    func decode(_ type: Bool.Type) throws -> Bool { try element(type) }
    func decode(_ type: String.Type) throws -> String { try element(type) }
    func decode(_ type: Double.Type) throws -> Double { try element(type) }
    func decode(_ type: Float.Type) throws -> Float { try element(type) }
    func decode(_ type: Int.Type) throws -> Int { try element(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try element(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try element(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try element(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try element(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try element(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try element(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try element(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try element(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try element(type) }
    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
      throw DecodingError.typeMismatch(type, .init(codingPath: codingPath, debugDescription: "nested containers are not reflected"))
    }
    func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
      throw DecodingError.typeMismatch([Any].self, .init(codingPath: codingPath, debugDescription: "nested containers are not reflected"))
    }
    func superDecoder() throws -> any Decoder { decoder }
  }

  struct SingleReflector: SingleValueDecodingContainer {
    let decoder: Reflector
    var codingPath: [any CodingKey] { decoder.codingPath }

    func decodeNil() -> Bool { false }
    func decode(_ type: String.Type) throws -> String {
      if decoder.single == nil { decoder.single = .string() }
      return decoder.stringValue
    }
    func decode(_ type: Bool.Type) throws -> Bool { try value(type) }
    func decode(_ type: Double.Type) throws -> Double { try value(type) }
    func decode(_ type: Float.Type) throws -> Float { try value(type) }
    func decode(_ type: Int.Type) throws -> Int { try value(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try value(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try value(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try value(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try value(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try value(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try value(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try value(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try value(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try value(type) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try value(type) }
    private func value<T: Decodable>(_ type: T.Type) throws -> T {
      let (value, schema) = try SchemaReflection.reflect(type, codingPath: codingPath, depth: decoder.depth + 1)
      if decoder.single == nil { decoder.single = schema }
      return value
    }
  }
}
