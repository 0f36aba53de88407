import Foundation
import Logging
import Shared

/// What a new password must be (docs/accounts.md, "Passwords"), wherever one is set: at
/// registration (API and page), on change, at a reset. First its shape (`PasswordRules`), then
/// not the username or the e-mail address, not among the most common passwords
/// (`PasswordLists/common-passwords.txt`), and, when `GATEHOUSE_PASSWORD_BREACH_API` is set, not
/// in the breach list that API answers for.
struct PasswordPolicy: Sendable {
  /// Lowercase.
  let common: Set<String>
  let breaches: BreachedPasswords?

  static func load(_ settings: Settings = .fromEnvironment(), logger: Logger) throws(ConfigurationError) -> PasswordPolicy {
    guard let folder = Bundle.module.url(forResource: "PasswordLists", withExtension: nil),
      let text = try? String(contentsOf: folder.appendingPathComponent("common-passwords.txt"), encoding: .utf8)
    else {
      throw ConfigurationError(name: "PasswordLists/common-passwords.txt", problem: "missing from token-service's resources")
    }
    let words = text.split(separator: "\n").map(String.init)
    return PasswordPolicy(common: Set(words), breaches: try BreachedPasswords.load(settings, logger: logger))
  }

  /// `owner`: the account's username and address (nil when it has none yet to compare with).
  func check(_ password: String, field: String, owner: (username: String, email: String)?) async throws {
    try PasswordRules.check(password, field: field)
    let folded = password.lowercased()
    if let owner {
      let email = owner.email.lowercased()
      let forbidden = [owner.username.lowercased(), email, String(email.prefix { $0 != "@" })]
      guard !forbidden.contains(folded) else {
        throw AccountProblems.weakPassword.problem("A password is not the username or the e-mail address.", field: field)
      }
    }
    guard !common.contains(folded) else {
      throw AccountProblems.weakPassword.problem("This password is one of the most common ones; choose another.", field: field)
    }
    if let breaches, await breaches.contains(password) {
      throw AccountProblems.breachedPassword.problem(
        "This password appears in a data breach elsewhere; choose one you have never used.", field: field)
    }
  }
}
