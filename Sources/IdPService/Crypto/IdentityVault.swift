import Crypto
import Foundation
import Shared

/// The person's CI (one per person, random, 64 bytes base64) sealed under the master key, its
/// blind index for uniqueness, and the DI each SP sees (HMAC-SHA256 of the SP's id under the CI),
/// as in Korean identity verification: two SPs cannot join their users by DI.
struct IdentityVault: Sendable {
  let keyRing: MasterKeyRing

  struct SealedCI: Sendable {
    let value: EncryptedValue
    let blindIndex: [UInt8]
  }

  func newCI(userID: UUID) throws -> SealedCI {
    let ci = Data(SecureRandom.bytes(64)).base64EncodedString()
    return SealedCI(
      value: try keyRing.seal(Array(ci.utf8), purpose: "idp.ci", context: userID.uuidString.lowercased()),
      blindIndex: keyRing.blindIndex(Array(ci.utf8), purpose: "idp.ci.index"))
  }

  func openCI(_ sealed: EncryptedValue, userID: UUID) throws -> String {
    String(decoding: try keyRing.open(sealed, purpose: "idp.ci", context: userID.uuidString.lowercased()), as: UTF8.self)
  }

  static func di(ci: String, spID: UUID) -> String {
    let mac = HMAC<SHA256>.authenticationCode(for: Array(spID.uuidString.lowercased().utf8), using: SymmetricKey(data: Array(ci.utf8)))
    return Data(mac).base64EncodedString()
  }
}
