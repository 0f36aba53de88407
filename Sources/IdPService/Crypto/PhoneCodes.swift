import Foundation
import Shared

/// The six-digit codes that prove a phone number. A code is kept only as HMAC-SHA256 of
/// `claim id:code` under a key derived from the master key (a million values are too few for a
/// plain hash: anyone reading the table would try them all); the delivery job needs the code
/// itself, so the outbox row carries it sealed (AES-256-GCM, bound to the claim id). What stops
/// guessing online is the claim's five tries and the per-number and per-person code limits.
/// A master-key rotation voids codes issued before it (the HMAC key is the current version's).
struct PhoneCodes: Sendable {
  let keyRing: MasterKeyRing

  /// Uniform over 000000-999999 (a random 32-bit value, redrawn above the last whole million).
  static func newCode() -> String {
    let limit = UInt32.max - UInt32.max % 1_000_000
    while true {
      let value = SecureRandom.bytes(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
      if value < limit { return String(format: "%06u", value % 1_000_000) }
    }
  }

  func hash(_ code: String, claimID: UUID) -> [UInt8] {
    keyRing.blindIndex(Array("\(claimID.uuidString.lowercased()):\(code)".utf8), purpose: "idp.phone_code")
  }

  func matches(_ code: String, claimID: UUID, hash stored: [UInt8]) -> Bool {
    ConstantTime.equal(hash(code, claimID: claimID), stored)
  }

  func seal(_ code: String, claimID: UUID) throws -> EncryptedValue {
    try keyRing.seal(Array(code.utf8), purpose: "idp.phone_code.sms", context: claimID.uuidString.lowercased())
  }

  func open(_ sealed: EncryptedValue, claimID: UUID) throws -> String {
    String(decoding: try keyRing.open(sealed, purpose: "idp.phone_code.sms", context: claimID.uuidString.lowercased()), as: UTF8.self)
  }

  /// The message; the code comes first in each language, so phones that offer to fill it in find it.
  static func message(code: String, validFor: Duration) -> String {
    let minutes = max(1, Int(validFor.components.seconds / 60))
    return "[Gatehouse] 인증번호 \(code) (\(minutes)분 안에 입력하세요). Your Gatehouse code is \(code), valid for \(minutes) minutes. "
      + "Never share it."
  }

  /// A code as typed: six ASCII digits.
  static func wellFormed(_ code: String) -> Bool {
    code.utf8.count == 6 && code.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
  }
}
