// Accounts/: users, their passwords and the rules for creating them.
import Foundation
import Shared

/// A registration that passed every rule, ready to store.
struct NewAccount: Sendable {
  let username: String
  let email: String
  let password: String
  let firstName: String
  let lastName: String
  let preferredLanguage: String
  let marketingConsent: Bool

  /// Checks the registration rules and names the first field that breaks one.
  init(_ body: RegisterBody) throws(Problem) {
    let username = try Username.checked(body.username)
    let email = try EmailRules.checked(body.email)
    try PasswordRules.check(body.password, field: "password")
    try ProfileRules.name(body.firstName, field: "first_name")
    try ProfileRules.name(body.lastName, field: "last_name")
    let language = body.preferredLanguage ?? "ko"
    try ProfileRules.language(language)
    self.username = username
    self.email = email
    self.password = body.password
    self.firstName = body.firstName ?? ""
    self.lastName = body.lastName ?? ""
    self.preferredLanguage = language
    self.marketingConsent = body.marketingConsent ?? false
  }
}

/// What an e-mail address must be: `local@domain.tld`, at most 254 code points (as the
/// database counts), NFC, no control or invisible formatting characters.
enum EmailRules {
  static func checked(_ typed: String) throws(Problem) -> String {
    let email = typed.precomposedStringWithCanonicalMapping.trimmingCharacters(in: .whitespaces)
    guard email.unicodeScalars.count <= 254, !TextRules.hasControlCharacters(email),
      email.wholeMatch(of: /[^@\s]+@[^@\s.]+(\.[^@\s.]+)+/) != nil
    else {
      throw RequestProblems.invalidField.problem("This is not an e-mail address.", field: "email")
    }
    return email
  }
}

/// Text a person typed: no control characters (NUL, which PostgreSQL cannot store, included) and
/// no invisible formatting characters (bidirectional overrides, zero-width joiners).
enum TextRules {
  static func hasControlCharacters(_ text: String) -> Bool {
    text.unicodeScalars.contains { [.control, .format].contains($0.properties.generalCategory) }
  }
}

/// What the profile fields must be, at registration and on change.
enum ProfileRules {
  static func name(_ value: String?, field: String) throws(Problem) {
    guard (value ?? "").unicodeScalars.count <= 150 else {
      throw RequestProblems.invalidField.problem("A name has at most 150 characters.", field: field)
    }
    guard !TextRules.hasControlCharacters(value ?? "") else {
      throw RequestProblems.invalidField.problem("A name holds no control or formatting characters.", field: field)
    }
  }

  static func language(_ value: String) throws(Problem) {
    guard value.wholeMatch(of: /[a-z]{2,3}(-[A-Za-z0-9]{2,8})*/) != nil else {
      throw RequestProblems.invalidField.problem("A language is a BCP 47 tag such as 'ko' or 'en-US'.", field: "preferred_language")
    }
  }
}

/// What a password must be.
enum PasswordRules {
  /// At least 8 characters, at most 72 bytes (bcrypt ignores the rest, so longer would be a lie),
  /// and not all of one kind (lowercase, uppercase, digits, others).
  static func check(_ password: String, field: String) throws(Problem) {
    guard password.count >= 8 else {
      throw RequestProblems.invalidField.problem("A password has at least 8 characters.", field: field)
    }
    guard password.utf8.count <= 72 else {
      throw RequestProblems.invalidField.problem("A password has at most 72 bytes.", field: field)
    }
    let kinds = [
      password.contains(where: \.isLowercase), password.contains(where: \.isUppercase),
      password.contains(where: \.isNumber),
      password.contains(where: { !$0.isLetter && !$0.isNumber }),
    ].filter { $0 }.count
    guard kinds >= 2 else {
      throw RequestProblems.invalidField.problem(
        "A password mixes at least two of: lowercase, uppercase, digits, other characters.",
        field: field)
    }
  }
}
