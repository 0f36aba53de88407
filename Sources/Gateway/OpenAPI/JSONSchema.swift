import Foundation

/// A JSON Schema (the 2020-12 dialect OpenAPI 3.1 uses), as much of it as Gatehouse's bodies
/// need: objects with required and optional members, arrays, strings (with a format or a set of
/// values), integers, numbers, booleans, and free-form objects.
indirect enum JSONSchema: Sendable, Equatable {
  case object(properties: [String: JSONSchema], required: Set<String>)
  case freeForm
  case array(JSONSchema)
  case string(format: String? = nil)
  case oneOf([String])
  case integer
  case number
  case boolean
  /// A schema under `#/components/schemas/`, by name.
  case reference(String)

  /// As the document writes it.
  var json: [String: Any] {
    switch self {
    case .object(let properties, let required):
      var object: [String: Any] = ["type": "object", "properties": properties.mapValues(\.json)]
      if !required.isEmpty { object["required"] = required.sorted() }
      return object
    case .freeForm: return ["type": "object"]
    case .array(let items): return ["type": "array", "items": items.json]
    case .string(let format): return format.map { ["type": "string", "format": $0] } ?? ["type": "string"]
    case .oneOf(let values): return ["type": "string", "enum": values]
    case .integer: return ["type": "integer"]
    case .number: return ["type": "number"]
    case .boolean: return ["type": "boolean"]
    case .reference(let name): return ["$ref": "#/components/schemas/\(name)"]
    }
  }
}

/// A string-valued enum whose values a schema lists (Decodable alone cannot tell them).
protocol SchemaEnumerated {
  static var schemaValues: [String] { get }
}

extension SchemaEnumerated where Self: CaseIterable & RawRepresentable, RawValue == String {
  static var schemaValues: [String] { allCases.map(\.rawValue) }
}
