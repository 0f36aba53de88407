// Keys/: access-token signing keys: generation, their public JWK and the rotation rule.
import Crypto
import Foundation
import Shared

/// An ES256 signing key pair. The private half exists in memory only while signing and in the
/// database only sealed under the master key.
struct SigningKey: Sendable {
  let kid: String
  let privateKey: [UInt8]

  /// A new P-256 key; its kid is its RFC 7638 JWK thumbprint, so a kid names exactly one key.
  static func generate() -> SigningKey {
    let key = P256.Signing.PrivateKey()
    let jwk = publicJWK(of: key.publicKey, kid: "")
    return SigningKey(kid: thumbprint(of: jwk), privateKey: Array(key.rawRepresentation))
  }

  var publicJWK: PublicJWK {
    get throws { Self.publicJWK(of: try P256.Signing.PrivateKey(rawRepresentation: privateKey).publicKey, kid: kid) }
  }

  static func publicJWK(of key: P256.Signing.PublicKey, kid: String) -> PublicJWK {
    // x963 is 0x04 ‖ X ‖ Y, 32 bytes each.
    let point = Array(key.x963Representation)
    return PublicJWK(
      kty: "EC", crv: "P-256", x: Base64URL.encode(point[1...32]), y: Base64URL.encode(point[33...64]),
      kid: kid, alg: "ES256", use: "sig")
  }

  /// RFC 7638: SHA-256 over the required members in lexicographic order, no whitespace.
  static func thumbprint(of jwk: PublicJWK) -> String {
    let canonical = #"{"crv":"\#(jwk.crv)","kty":"\#(jwk.kty)","x":"\#(jwk.x)","y":"\#(jwk.y)"}"#
    return Base64URL.encode(SHA256.hash(data: Array(canonical.utf8)))
  }

  /// Seals the private key for storage: purpose and kid are bound to the ciphertext.
  func sealed(with keyRing: MasterKeyRing) throws -> EncryptedValue {
    try keyRing.seal(privateKey, purpose: Self.purpose, context: kid)
  }

  static func opened(kid: String, sealed: EncryptedValue, with keyRing: MasterKeyRing) throws -> SigningKey {
    SigningKey(kid: kid, privateKey: try keyRing.open(sealed, purpose: purpose, context: kid))
  }

  var p256: P256.Signing.PrivateKey {
    get throws { try P256.Signing.PrivateKey(rawRepresentation: privateKey) }
  }

  static let purpose = "token.signing_key"
}

/// How long a retired key stays published: the longest access-token lifetime any service may
/// configure, plus the verifier's clock leeway, so no token it signed outlives its key.
enum KeyPublication {
  static let maximumAccessTokenLifetime: Duration = .seconds(24 * 3600)
  static let leeway: Duration = .seconds(30)
  static var retiredKeyLifetime: Duration { maximumAccessTokenLifetime + leeway }
}
