import Foundation
import Shared

/// A service's own scopes (docs/oidc.md, "A service's own scopes"): the catalogue an admin sets,
/// and what one member may be granted of it.
enum ScopeCatalogueRules {
  static let maxScopes = 50
  static let maxPermissions = 50

  /// `body` with its catalogue and scope names agreeing: a catalogue given names the scopes; names
  /// given alone keep the words and flags `current` had for them, and a new one is named by
  /// itself and held by every member (as scopes were before the catalogue). Checked: each name
  /// once, words of 1 to 200 characters (the names' own rule is `ServiceSettingsRules`').
  static func normalised(_ body: ServiceSettingsBody, current: [ServiceScope]) throws(Problem) -> ServiceSettingsBody {
    var body = body
    if let catalogue = body.scopeCatalogue {
      body.scopeCatalogue = try checked(catalogue)
      body.scopes = catalogue.map(\.name)
    } else if let names = body.scopes {
      let known = Dictionary(current.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
      body.scopeCatalogue = try checked(
        names.map { known[$0] ?? ServiceScope(name: $0, descriptionKo: $0, descriptionEn: $0, isDefault: true) })
    }
    return body
  }

  private static func checked(_ catalogue: [ServiceScope]) throws(Problem) -> [ServiceScope] {
    guard catalogue.count <= maxScopes else {
      throw RequestProblems.invalidField.problem("A service has at most \(maxScopes) scopes.", field: "scope_catalogue")
    }
    guard Set(catalogue.map(\.name)).count == catalogue.count else {
      throw RequestProblems.invalidField.problem("Each scope is named once.", field: "scope_catalogue")
    }
    return try catalogue.map { scope throws(Problem) in
      var scope = scope
      scope.isDefault = scope.isDefault || scope.isRequired
      scope.descriptionKo = scope.descriptionKo.trimmingCharacters(in: .whitespacesAndNewlines)
      scope.descriptionEn = scope.descriptionEn.trimmingCharacters(in: .whitespacesAndNewlines)
      guard (1...200).contains(scope.descriptionKo.count), (1...200).contains(scope.descriptionEn.count) else {
        throw RequestProblems.invalidField.problem(
          "\(scope.name)'s descriptions are 1 to 200 characters, in Korean and in English.", field: "scope_catalogue")
      }
      return scope
    }
  }

  /// What a member is granted: scopes of the catalogue, and permissions named as scopes are.
  static func checkGrant(_ changes: MemberChanges, catalogue: [ServiceScope]) throws(Problem) {
    let names = Set(catalogue.map(\.name))
    if let unknown = changes.scopes?.first(where: { !names.contains($0) }) {
      throw RequestProblems.invalidField.problem("\(unknown) is not in the service's scope catalogue.", field: "scopes")
    }
    for permission in changes.permissions ?? [] where permission.wholeMatch(of: /[a-z][a-z0-9:._-]{0,63}/) == nil {
      throw RequestProblems.invalidField.problem(
        "\(permission) is not a permission name (lowercase, up to 64 of a-z 0-9 : . _ -).", field: "permissions")
    }
    guard (changes.permissions?.count ?? 0) <= maxPermissions else {
      throw RequestProblems.invalidField.problem("A member has at most \(maxPermissions) permissions.", field: "permissions")
    }
  }

  /// The catalogue as stored: names with their words, position by position, and the flags.
  static func catalogue(names: [String], ko: [String], en: [String], defaults: [String], required: [String]) -> [ServiceScope] {
    names.enumerated().map { index, name in
      ServiceScope(
        name: name, descriptionKo: index < ko.count ? ko[index] : name, descriptionEn: index < en.count ? en[index] : name,
        isDefault: defaults.contains(name), isRequired: required.contains(name))
    }
  }
}
