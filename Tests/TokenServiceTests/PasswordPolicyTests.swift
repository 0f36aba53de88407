import Configuration
import Logging
import Testing

@testable import Shared
@testable import TokenService

/// The password rules (docs/accounts.md, "Passwords") on their own: the shipped list of common
/// passwords, the account's own names, and how a range answer is read.
@Suite struct PasswordPolicyTests {
  let policy = try! PasswordPolicy.load(
    Settings(reader: ConfigReader(provider: EnvironmentVariablesProvider(environmentVariables: [:]))), logger: Logger(label: "test"))

  func refusal(_ password: String, owner: (username: String, email: String)? = nil) async -> String? {
    do {
      try await policy.check(password, field: "password", owner: owner)
      return nil
    } catch let problem as Problem {
      return problem.code
    } catch {
      return "\(error)"
    }
  }

  @Test func theShippedListHasTenThousandCommonPasswordsAndRefusesThemInAnyCase() async {
    #expect(policy.common.count >= 10_000)
    #expect(policy.breaches == nil, "off unless configured")
    for common in ["password1", "Password123", "QWERTY123", "iloveyou1", "sunshine1"] {
      #expect(await refusal(common) == "weak_password", "\(common)")
    }
    #expect(await refusal("correct horse 1") == nil)
    #expect(await refusal("short1") == "invalid_field", "the shape is still checked first")
  }

  @Test func theAccountsOwnNamesAreRefused() async {
    let owner = (username: "jiwoo_kim7", email: "Jiwoo.Kim77@example.com")
    #expect(await refusal("Jiwoo_Kim7", owner: owner) == "weak_password")
    #expect(await refusal("jiwoo.kim77@example.com", owner: owner) == "weak_password")
    #expect(await refusal("jiwoo.kim77", owner: owner) == "weak_password", "the address's local part")
    #expect(await refusal("jiwoo_kim7 and more", owner: owner) == nil)
  }

  @Test func aRangeAnswerListsASuffixOnlyWithACountAboveZero() {
    let answer = "0018A45C4D1DEF81644B54AB7F969B88D65:0\r\n1E4C9B93F3F0682250B6CF8331B7EE68FD8:3\r\n00D4F6E8FA6EECAD2A3AA415EEC418D38EC:0\n"
    #expect(BreachedPasswords.lists(suffix: "1E4C9B93F3F0682250B6CF8331B7EE68FD8", in: answer))
    #expect(BreachedPasswords.lists(suffix: "1e4c9b93f3f0682250b6cf8331b7ee68fd8".uppercased()[...], in: answer))
    #expect(!BreachedPasswords.lists(suffix: "0018A45C4D1DEF81644B54AB7F969B88D65", in: answer), "padding")
    #expect(!BreachedPasswords.lists(suffix: "FFFFF", in: answer))
  }
}
