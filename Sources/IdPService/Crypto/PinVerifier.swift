// Crypto/: the PIN verifier, the CI/DI vault, the SP result JWE and the webhook signature.
import Foundation
import Shared

/// Six-digit PINs (docs/idp.md). A million values are too few for any slow hash to
/// protect if the table leaked, so the verifier is HMAC-SHA256 under a pepper key derived from
/// the master key, which never touches the database; guessing online is stopped by lock-out.
struct PinVerifier: Sendable {
  let keyRing: MasterKeyRing

  func verifier(userID: UUID, pin: String) -> [UInt8] {
    keyRing.blindIndex(Array("\(userID.uuidString.lowercased()):\(pin)".utf8), purpose: "idp.pin")
  }

  func matches(_ pin: String, userID: UUID, verifier stored: [UInt8]) -> Bool {
    ConstantTime.equal(verifier(userID: userID, pin: pin), stored)
  }

  /// Six digits, not all one digit, not a straight run up or down (the first guesses anyone tries).
  static func check(_ pin: String, field: String) throws(Problem) {
    let digits = pin.compactMap { $0.isASCII ? $0.wholeNumberValue : nil }
    guard pin.count == 6, digits.count == 6 else {
      throw RequestProblems.invalidField.problem("A PIN is six digits.", field: field)
    }
    let steps = Set(zip(digits, digits.dropFirst()).map { $1 - $0 })
    guard steps.count > 1 || !(steps.contains(0) || steps.contains(1) || steps.contains(-1)) else {
      throw IdPProblems.weakPIN.problem("A PIN may not be one digit repeated or a straight run like 123456.", field: field)
    }
  }
}
