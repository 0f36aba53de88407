import Foundation

/// A `Decodable` type's JSON Schema, read by decoding the type from nothing: a decoder that
/// answers every question with a placeholder and writes down what was asked (the members, which
/// of them were optional, and each one's type). The document is thus made from the same types the
/// gateway and the services decode, and cannot say a member exists that the code does not read.
/// A type whose own `init(from:)` refuses the placeholders is a free-form object.
enum SchemaReflection {
  static func schema<T: Decodable>(of type: T.Type) -> JSONSchema {
    (try? reflect(type, codingPath: []).schema) ?? .freeForm
  }

  /// Deeper than this is a type that contains itself, or a primitive this file does not know
  /// (whose own decoding asks for itself again): the type reads as free-form instead of looping.
  static let depthLimit = 24

  static func reflect<T: Decodable>(_ type: T.Type, codingPath: [any CodingKey], depth: Int = 0) throws -> (value: T, schema: JSONSchema) {
    if let known = placeholder(of: type) { return known }
    guard depth < depthLimit else {
      throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "\(type) is not reflected this deep"))
    }
    let decoder = Reflector(codingPath: codingPath, depth: depth)
    if let enumerated = type as? any SchemaEnumerated.Type {
      decoder.stringValue = enumerated.schemaValues.first ?? ""
      return (try T(from: decoder), .oneOf(enumerated.schemaValues))
    }
    let value = try T(from: decoder)
    return (value, decoder.result)
  }

  /// Values with a schema of their own, decoded without asking the type.
  private static func placeholder<T>(of type: T.Type) -> (value: T, schema: JSONSchema)? {
    let known: (Any, JSONSchema)? =
      switch type {
      case is String.Type: ("", .string())
      case is Bool.Type: (false, .boolean)
      case is Int.Type: (0, .integer)
      case is Int64.Type: (Int64(0), .integer)
      case is Int32.Type: (Int32(0), .integer)
      case is Int16.Type: (Int16(0), .integer)
      case is Int8.Type: (Int8(0), .integer)
      case is UInt.Type: (UInt(0), .integer)
      case is UInt64.Type: (UInt64(0), .integer)
      case is UInt32.Type: (UInt32(0), .integer)
      case is UInt16.Type: (UInt16(0), .integer)
      case is UInt8.Type: (UInt8(0), .integer)
      case is Decimal.Type: (Decimal(0), .number)
      case is Double.Type: (0.0, .number)
      case is Float.Type: (Float(0), .number)
      case is Date.Type: (Date(), .string(format: "date-time"))
      case is UUID.Type: (UUID(), .string(format: "uuid"))
      case is URL.Type: (URL(string: "https://example.com")!, .string(format: "uri"))
      default: nil
      }
    guard let (value, schema) = known, let typed = value as? T else { return nil }
    return (typed, schema)
  }

  /// The decoder: what its value was asked as becomes `result`.
  final class Reflector: Decoder {
    let codingPath: [any CodingKey]
    let depth: Int
    let userInfo: [CodingUserInfoKey: Any] = [:]
    /// What a single-value read of a string answers (an enum's first value).
    var stringValue = ""
    var properties: [String: JSONSchema] = [:]
    var required: Set<String> = []
    var items: JSONSchema?
    var single: JSONSchema?
    private var keyed = false

    init(codingPath: [any CodingKey], depth: Int) {
      self.codingPath = codingPath
      self.depth = depth
    }

    var result: JSONSchema {
      if keyed { return properties.isEmpty ? .freeForm : .object(properties: properties, required: required) }
      if let items { return .array(items) }
      return single ?? .freeForm
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
      keyed = true
      return KeyedDecodingContainer(KeyedReflector<Key>(decoder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer { UnkeyedReflector(decoder: self) }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleReflector(decoder: self) }

    /// A member's value, its schema written down under its name.
    func member<T: Decodable>(_ type: T.Type, _ key: any CodingKey, required isRequired: Bool) throws -> T {
      let (value, schema) = try SchemaReflection.reflect(type, codingPath: codingPath + [key], depth: depth + 1)
      properties[key.stringValue] = schema
      if isRequired { required.insert(key.stringValue) }
      return value
    }
  }
}
