import Crypto
import Shared

/// A passkey's public key as the authenticator sent it: a COSE_Key (RFC 9052 section 7, key types
/// of RFC 9053) turned into a swift-crypto verifier. Only the two algorithms passkeys use are
/// accepted (ES256 on P-256, EdDSA on Ed25519); the COSE bytes are kept as the stored form, so
/// what is stored is exactly what the authenticator signed over at registration.
struct COSEKey: Sendable {
  /// COSE algorithm numbers (IANA "COSE Algorithms") accepted for a passkey.
  enum Algorithm: Int, Sendable, CaseIterable {
    /// ECDSA with SHA-256 on P-256; WebAuthn signatures are DER (ASN.1) encoded.
    case es256 = -7
    /// EdDSA; with crv Ed25519 it is the only EdDSA curve accepted.
    case eddsa = -8
  }

  /// COSE key labels and values this type reads (RFC 9052 section 7.1, RFC 9053 section 7).
  private enum Label {
    static let kty = 1
    static let alg = 3
    static let crv = -1
    static let x = -2
    static let y = -3
  }

  private enum Verifier: Sendable {
    case p256(P256.Signing.PublicKey)
    case ed25519(Curve25519.Signing.PublicKey)
  }

  let algorithm: Algorithm
  /// The COSE_Key bytes as received: store these and build the key again from them.
  let bytes: [UInt8]
  private let verifier: Verifier

  /// The key stored as `bytes` (exactly one CBOR map, nothing after it).
  init(cose bytes: [UInt8]) throws(Problem) {
    let value: CBORValue
    do {
      value = try CBORDecoder.decode(bytes)
    } catch {
      throw PasskeyProblems.invalid.problem("The credential public key: \(error).")
    }
    try self.init(value, bytes: bytes)
  }

  /// The key `value`, decoded from `bytes` (which are kept as they are).
  init(_ value: CBORValue, bytes: [UInt8]) throws(Problem) {
    guard case .map = value, let kty = value[label: Label.kty]?.intValue, let alg = value[label: Label.alg]?.intValue else {
      throw PasskeyProblems.invalid.problem("The credential public key is not a COSE key with kty and alg.")
    }
    let crv = value[label: Label.crv]?.intValue
    switch (kty, Algorithm(rawValue: alg), crv) {
    case (2, .some(.es256), .some(1)):
      let x = try Self.coordinate(value, Label.x)
      let y = try Self.coordinate(value, Label.y)
      guard let key = try? P256.Signing.PublicKey(x963Representation: [0x04] + x + y) else {
        throw PasskeyProblems.invalid.problem("The credential public key is not a point on P-256.")
      }
      verifier = .p256(key)
      algorithm = .es256
    case (1, .some(.eddsa), .some(6)):
      let x = try Self.coordinate(value, Label.x)
      guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: x) else {
        throw PasskeyProblems.invalid.problem("The credential public key is not an Ed25519 key.")
      }
      verifier = .ed25519(key)
      algorithm = .eddsa
    default:
      throw PasskeyProblems.unsupportedAlgorithm.problem(
        "COSE key type \(kty), algorithm \(alg), curve \(crv.map(String.init) ?? "none") is not accepted; use ES256 or EdDSA (Ed25519).")
    }
    self.bytes = bytes
  }

  /// A 32-byte coordinate (x or y of P-256, the Ed25519 public key), or `passkey_invalid`.
  private static func coordinate(_ key: CBORValue, _ label: Int) throws(Problem) -> [UInt8] {
    guard case .bytes(let bytes) = key[label: label], bytes.count == 32 else {
      throw PasskeyProblems.invalid.problem("The credential public key's coordinate \(label) is not 32 bytes.")
    }
    return bytes
  }

  /// Whether `signature` is this key's signature of `data`: DER ECDSA over SHA-256 for ES256,
  /// a 64-byte Ed25519 signature for EdDSA. A signature that does not even parse is not valid.
  func isValidSignature(_ signature: [UInt8], for data: [UInt8]) -> Bool {
    switch verifier {
    case .p256(let key):
      guard let parsed = try? P256.Signing.ECDSASignature(derRepresentation: signature) else { return false }
      return key.isValidSignature(parsed, for: data)
    case .ed25519(let key):
      return key.isValidSignature(signature, for: data)
    }
  }
}
