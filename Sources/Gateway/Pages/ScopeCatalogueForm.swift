import Foundation
import Shared

/// The admin console's scope catalogue as text (docs/oidc.md, "A service's own scopes"): one scope
/// a line, `name | 한국어 | English | default required` (the flags optional), so an operator edits
/// the whole catalogue in one box.
enum ScopeCatalogueForm {
  static func text(_ catalogue: [ServiceScope]) -> String {
    catalogue.map { scope in
      let flags = [scope.isRequired ? "required" : scope.isDefault ? "default" : nil].compactMap { $0 }
      return ([scope.name, scope.descriptionKo, scope.descriptionEn] + flags).joined(separator: " | ")
    }.joined(separator: "\n")
  }

  static func catalogue(_ text: String?) throws(Problem) -> [ServiceScope] {
    try (AdminPages.lines(text) ?? []).map { line throws(Problem) in
      let parts = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
      guard (3...4).contains(parts.count) else {
        throw RequestProblems.invalidField.problem(
          "Each line is name | 한국어 | English, then default or required if it is one: \(line)", field: "scope_catalogue")
      }
      let flags = parts.count == 4 ? Set(parts[3].split(separator: " ").map(String.init)) : []
      guard flags.isSubset(of: ["default", "required"]) else {
        throw RequestProblems.invalidField.problem("The flags are default and required: \(line)", field: "scope_catalogue")
      }
      return ServiceScope(
        name: parts[0], descriptionKo: parts[1], descriptionEn: parts[2], isDefault: flags.contains("default"),
        isRequired: flags.contains("required"))
    }
  }

  /// A member's scopes or permissions as typed: words separated by spaces or commas.
  static func words(_ text: String?) -> [String]? {
    text.map { $0.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init) }
  }
}
