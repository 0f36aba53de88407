import Foundation
import HummingbirdOTP
import Shared

/// RFC 6238 codes as authenticator apps make them: SHA-1, six digits, 30-second steps. A code
/// of the step before or after the current one is accepted (clock drift), and each step is
/// accepted once: the store keeps the newest step used and refuses it and anything older.
struct TOTPFactor: Sendable {
  static let stepSeconds = 30
  static let window = -1...1

  /// The shared secret: 32 characters from a 62-letter alphabet (190 bits). HummingbirdOTP
  /// keys the HMAC with the secret's UTF-8 bytes, and the app gets those bytes in base32.
  static func newSecret() -> String {
    randomString(32, from: Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"))
  }

  let secret: String

  /// What the app shows the user: the base32 secret, the `otpauth://` URI and its QR code.
  func enrolment(account: String, issuer: String) -> TOTPEnrolment {
    let totp = TOTP(secret: secret)
    let uri = totp.createAuthenticatorURL(label: "\(issuer):\(account)", issuer: issuer)
    let base32 = URLComponents(string: uri)?.queryItems?.first { $0.name == "secret" }?.value ?? ""
    return TOTPEnrolment(secret: base32, otpauthURI: uri, qrCode: QRCodeImage.dataURI(for: uri) ?? "")
  }

  /// The time step `code` belongs to within the window around `now`, if it is right at all.
  func step(of code: String, at now: Date = Date()) -> Int64? {
    guard code.count == 6, code.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(code) else { return nil }
    let totp = TOTP(secret: secret)
    let current = Int64(now.timeIntervalSince1970) / Int64(Self.stepSeconds)
    for offset in Self.window {
      let step = current + Int64(offset)
      if totp.compute(date: Date(timeIntervalSince1970: Double(step * Int64(Self.stepSeconds)))) == value { return step }
    }
    return nil
  }
}

/// One-time backup codes: ten of `xxxxx-xxxxx` from an alphabet without look-alikes (50 bits
/// each), stored as HMACs under a pepper from the master key, never in the clear.
struct BackupCodes: Sendable {
  static let count = 10
  static let alphabet = Array("abcdefghjkmnpqrstuvwxyz23456789")
  let keyRing: MasterKeyRing

  static func generate() -> [String] {
    (0..<count).map { _ in
      let letters = Array(randomString(10, from: alphabet))
      return String(letters[0..<5]) + "-" + String(letters[5..<10])
    }
  }

  /// Case, spaces and the dash do not matter when typed back.
  func hash(_ code: String, userID: UUID) -> [UInt8] {
    let normalised = code.lowercased().filter { $0 != "-" && !$0.isWhitespace }
    return keyRing.blindIndex(Array("\(userID.uuidString.lowercased()):\(normalised)".utf8), purpose: "token.mfa_backup_code")
  }
}

/// `length` letters drawn uniformly from `alphabet` (bytes past the last whole multiple of its
/// size are skipped, so no letter is more likely than another).
private func randomString(_ length: Int, from alphabet: [Character]) -> String {
  let limit = 256 - 256 % alphabet.count
  var result = ""
  while result.count < length {
    for byte in SecureRandom.bytes(length) where Int(byte) < limit && result.count < length {
      result.append(alphabet[Int(byte) % alphabet.count])
    }
  }
  return result
}
