import Foundation
import Shared

/// `PATCH /api/v1/users/me` after the rules: the fields to change, each nil when unchanged.
/// The username and e-mail are not changed here (an e-mail change needs re-verification).
struct ProfileUpdate: Sendable {
  let firstName: String?
  let lastName: String?
  let preferredLanguage: String?
  let marketingConsent: Bool?

  init(_ changes: ProfileChanges) throws(Problem) {
    for (field, value) in [("username", changes.username), ("email", changes.email)] where value != nil {
      throw RequestProblems.invalidField.problem("\(field) cannot be changed with PATCH /api/v1/users/me.", field: field)
    }
    try ProfileRules.name(changes.firstName, field: "first_name")
    try ProfileRules.name(changes.lastName, field: "last_name")
    if let language = changes.preferredLanguage { try ProfileRules.language(language) }
    firstName = changes.firstName?.trimmingCharacters(in: .whitespaces)
    lastName = changes.lastName?.trimmingCharacters(in: .whitespaces)
    preferredLanguage = changes.preferredLanguage
    marketingConsent = changes.marketingConsent
  }

  /// The names of the fields that change, for the audit row.
  var fields: [String] {
    [
      ("first_name", firstName != nil), ("last_name", lastName != nil), ("preferred_language", preferredLanguage != nil),
      ("marketing_consent", marketingConsent != nil),
    ].filter(\.1).map(\.0)
  }
}
