import Foundation
import Mustache
import NIOCore
import Shared

/// `/docs`: the API reference for people (docs/api.md), rendered once at start-up from the same
/// operations and schemas as `/openapi.json`, with the pages' stylesheet and no script.
enum APIReference {
  static func html(_ operations: [APIOperation], document: [String: Any], library: MustacheLibrary) -> ByteBuffer {
    var tags: [String] = []
    for operation in operations where !tags.contains(operation.tag) { tags.append(operation.tag) }
    let values: [String: Any] = [
      "tags": tags.map { tag in
        [
          "name": tag, "anchor": anchor(tag),
          "operations": operations.filter { $0.tag == tag }.map(describe),
        ] as [String: Any]
      },
      "schemas": schemas(document),
      "problems": ProblemCatalogue.all.map { kind in
        // A code given with another status too (a variant) has one anchor, the first entry's.
        var row: [String: Any] = ["code": kind.code, "status": kind.status, "doc": kind.doc]
        if !kind.isVariant { row["anchor"] = "problem-\(kind.code)" }
        return row
      },
    ]
    return ByteBuffer(string: library.render(values, withTemplate: "api_reference") ?? "")
  }

  private static func describe(_ operation: APIOperation) -> [String: Any] {
    var described: [String: Any] = [
      "method": operation.method.rawValue, "path": operation.templatePath, "summary": operation.summary,
      "id": anchor(operation.method.rawValue + operation.templatePath), "security": operation.security.map(\.rawValue),
      "answers": operation.answers.map { answer -> [String: Any] in
        var described: [String: Any] = ["status": answer.status, "summary": answer.summary]
        if case .json(_, let name, _) = answer.body { described["schema"] = name }
        return described
      },
    ]
    switch operation.request {
    case .json(_, let name, _): described["request"] = name
    case .form(let fields): described["requestForm"] = fields
    default: break
    }
    let codes = APIOperation.codes(operation.problems)
    if !codes.isEmpty { described["codes"] = ["count": codes.count, "list": codes.joined(separator: ", ")] }
    return described
  }

  private static func schemas(_ document: [String: Any]) -> [[String: Any]] {
    let all = (document["components"] as? [String: Any])?["schemas"] as? [String: Any] ?? [:]
    return all.keys.sorted().map { name in
      let schema = all[name] as? [String: Any] ?? [:]
      let properties = schema["properties"] as? [String: Any] ?? [:]
      let required = Set(schema["required"] as? [String] ?? [])
      return [
        "name": name, "hasMembers": !properties.isEmpty, "type": type(schema),
        "members": properties.keys.sorted().map { member in
          ["name": member, "type": type(properties[member] as? [String: Any] ?? [:]), "required": required.contains(member)]
        },
      ]
    }
  }

  /// A schema in a few words: `string (date-time)`, `one of PENDING, COMPLETED`, `array of object`.
  private static func type(_ schema: [String: Any]) -> String {
    if let reference = schema["$ref"] as? String { return String(reference.split(separator: "/").last ?? "") }
    if let values = schema["enum"] as? [String] { return "one of " + values.joined(separator: ", ") }
    let type = schema["type"] as? String ?? "any"
    if type == "array" { return "array of " + Self.type(schema["items"] as? [String: Any] ?? [:]) }
    if let format = schema["format"] as? String { return "\(type) (\(format))" }
    if type == "object", let members = (schema["properties"] as? [String: Any])?.keys.sorted(), !members.isEmpty {
      return "object: " + members.joined(separator: ", ")
    }
    return type
  }

  private static func anchor(_ text: String) -> String {
    text.lowercased().map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined()
  }
}
