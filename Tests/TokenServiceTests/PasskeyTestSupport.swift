import Crypto
import Foundation
import Shared

@testable import TokenService

/// A test-only CBOR encoder: definite lengths, shortest heads, map keys in the order of their
/// encoded bytes (RFC 8949 section 4.2.1), so the bytes a test builds are the same on every run.
enum TestCBOR {
  static func encode(_ value: CBORValue) -> [UInt8] {
    switch value {
    case .unsigned(let n): return head(0, n)
    case .negative(let n): return head(1, n)
    case .bytes(let bytes): return head(2, UInt64(bytes.count)) + bytes
    case .text(let text): return head(3, UInt64(text.utf8.count)) + Array(text.utf8)
    case .array(let items): return head(4, UInt64(items.count)) + items.flatMap(encode)
    case .map(let entries):
      let pairs = entries.map { (key: encode($0.key), value: encode($0.value)) }.sorted { $0.key.lexicographicallyPrecedes($1.key) }
      return head(5, UInt64(entries.count)) + pairs.flatMap { $0.key + $0.value }
    case .bool(let flag): return [flag ? 0xf5 : 0xf4]
    case .null: return [0xf6]
    }
  }

  /// A head: major type and argument in the shortest form.
  static func head(_ major: UInt8, _ argument: UInt64) -> [UInt8] {
    let type = major << 5
    switch argument {
    case 0..<24: return [type | UInt8(argument)]
    case 24..<0x100: return [type | 24, UInt8(argument)]
    case 0x100..<0x1_0000: return [type | 25] + bigEndian(argument, width: 2)
    case 0x1_0000..<0x1_0000_0000: return [type | 26] + bigEndian(argument, width: 4)
    default: return [type | 27] + bigEndian(argument, width: 8)
    }
  }

  static func bigEndian(_ value: UInt64, width: Int) -> [UInt8] {
    (0..<width).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
  }

  /// A map with integer keys (a COSE key).
  static func labels(_ entries: [Int: CBORValue]) -> CBORValue {
    .map(Dictionary(uniqueKeysWithValues: entries.map { (CBORValue.int($0.key), $0.value) }))
  }
}

/// A software authenticator: a P-256 or Ed25519 key made for the test, its COSE key, and its
/// signatures (DER for ES256, as WebAuthn sends them).
struct SoftAuthenticator: Sendable {
  enum Key: Sendable {
    case p256(P256.Signing.PrivateKey)
    case ed25519(Curve25519.Signing.PrivateKey)
  }

  let key: Key
  let credentialID: [UInt8]

  static func es256() -> SoftAuthenticator {
    SoftAuthenticator(key: .p256(P256.Signing.PrivateKey()), credentialID: Array(repeating: 0x5a, count: 16))
  }

  static func ed25519() -> SoftAuthenticator {
    SoftAuthenticator(key: .ed25519(Curve25519.Signing.PrivateKey()), credentialID: Array(0..<32))
  }

  var coseKey: [UInt8] {
    switch key {
    case .p256(let privateKey):
      let point = Array(privateKey.publicKey.x963Representation)
      return TestCBOR.encode(
        TestCBOR.labels([1: .int(2), 3: .int(-7), -1: .int(1), -2: .bytes(Array(point[1..<33])), -3: .bytes(Array(point[33..<65]))]))
    case .ed25519(let privateKey):
      return TestCBOR.encode(
        TestCBOR.labels([1: .int(1), 3: .int(-8), -1: .int(6), -2: .bytes(Array(privateKey.publicKey.rawRepresentation))]))
    }
  }

  func sign(_ data: [UInt8]) -> [UInt8] {
    switch key {
    case .p256(let privateKey): Array((try? privateKey.signature(for: data))?.derRepresentation ?? Data())
    case .ed25519(let privateKey): Array((try? privateKey.signature(for: data)) ?? Data())
    }
  }
}

/// The relying party the tests play, and the pieces of a ceremony built byte by byte.
enum PasskeyFixture {
  static let rpID = "login.example.com"
  static let origin = "https://login.example.com"
  static let challenge: [UInt8] = Array(100..<132)

  static let up: UInt8 = 0x01
  static let uv: UInt8 = 0x04
  static let be: UInt8 = 0x08
  static let bs: UInt8 = 0x10
  static let at: UInt8 = 0x40
  static let ed: UInt8 = 0x80

  static func expectation(challenge: [UInt8] = challenge, userVerificationRequired: Bool = false) -> PasskeyExpectation {
    PasskeyExpectation(
      challenge: challenge, origins: ["https://other.example.com", origin], rpID: rpID, userVerificationRequired: userVerificationRequired)
  }

  /// clientDataJSON as a browser writes it (member order and spacing do not matter to the RP).
  static func clientData(type: String, challenge: [UInt8], origin: String, crossOrigin: Bool? = nil) -> [UInt8] {
    var json = #"{"type":"\#(type)","challenge":"\#(Base64URL.encode(challenge))","origin":"\#(origin)""#
    if let crossOrigin { json += #","crossOrigin":\#(crossOrigin)"# }
    return Array((json + "}").utf8)
  }

  /// Authenticator data: rpIdHash, flags, counter, then attested credential data and extensions if given.
  static func authenticatorData(
    rpID: String = rpID, flags: UInt8, signCount: UInt32, credential: (id: [UInt8], key: [UInt8])? = nil, extensions: [UInt8] = []
  ) -> [UInt8] {
    var bytes = Array(SHA256.hash(data: Array(rpID.utf8))) + [flags] + TestCBOR.bigEndian(UInt64(signCount), width: 4)
    if let credential {
      bytes += Array(repeating: 0, count: 16) + TestCBOR.bigEndian(UInt64(credential.id.count), width: 2) + credential.id + credential.key
    }
    return bytes + extensions
  }

  static func attestationObject(fmt: String = "none", statement: CBORValue = .map([:]), authData: [UInt8]) -> [UInt8] {
    TestCBOR.encode(.map([.text("fmt"): .text(fmt), .text("attStmt"): statement, .text("authData"): .bytes(authData)]))
  }
}

/// A registration a test changes one thing of: every default makes it pass.
struct RegistrationCase {
  var authenticator: SoftAuthenticator
  var type = "webauthn.create"
  var challenge = PasskeyFixture.challenge
  var origin = PasskeyFixture.origin
  var crossOrigin: Bool? = nil
  var rpID = PasskeyFixture.rpID
  var flags = PasskeyFixture.up | PasskeyFixture.uv | PasskeyFixture.at
  var coseKey: [UInt8]? = nil
  var fmt = "none"
  var statement: CBORValue = .map([:])
  var expectation = PasskeyFixture.expectation()

  init(_ authenticator: SoftAuthenticator) { self.authenticator = authenticator }

  var authenticatorData: [UInt8] {
    PasskeyFixture.authenticatorData(
      rpID: rpID, flags: flags, signCount: 0, credential: (authenticator.credentialID, coseKey ?? authenticator.coseKey))
  }

  func run() throws(Problem) -> RegisteredPasskey {
    try PasskeyRegistration.verify(
      attestationObject: PasskeyFixture.attestationObject(fmt: fmt, statement: statement, authData: authenticatorData),
      clientDataJSON: PasskeyFixture.clientData(type: type, challenge: challenge, origin: origin, crossOrigin: crossOrigin),
      expecting: expectation)
  }
}

/// A sign-in a test changes one thing of: every default makes it pass.
struct AssertionCase {
  var authenticator: SoftAuthenticator
  var type = "webauthn.get"
  var challenge = PasskeyFixture.challenge
  var origin = PasskeyFixture.origin
  var crossOrigin: Bool? = nil
  var rpID = PasskeyFixture.rpID
  var flags = PasskeyFixture.up | PasskeyFixture.uv
  var signCount: UInt32 = 1
  var storedSignCount: UInt32 = 0
  var storedKey: [UInt8]? = nil
  /// Changes the signature after signing (a flipped bit, another key's signature).
  var tamper: ([UInt8]) -> [UInt8] = { $0 }
  var expectation = PasskeyFixture.expectation()

  init(_ authenticator: SoftAuthenticator) { self.authenticator = authenticator }

  func run() throws(Problem) -> (signCount: UInt32, userVerified: Bool, backedUp: Bool) {
    let authData = PasskeyFixture.authenticatorData(rpID: rpID, flags: flags, signCount: signCount)
    let clientData = PasskeyFixture.clientData(type: type, challenge: challenge, origin: origin, crossOrigin: crossOrigin)
    let signature = tamper(authenticator.sign(authData + Array(SHA256.hash(data: clientData))))
    return try PasskeyAssertion.verify(
      authenticatorData: authData, clientDataJSON: clientData, signature: signature, publicKeyCOSE: storedKey ?? authenticator.coseKey,
      storedSignCount: storedSignCount, expecting: expectation)
  }
}

/// The code of the problem `body` throws, or nil when it succeeds. The closure is untyped
/// (closures inside `#expect` infer `any Error`); anything but a `Problem` is named as such.
func problemCode<T>(_ body: () throws -> T) -> String? {
  do {
    _ = try body()
    return nil
  } catch let problem as Problem {
    return problem.code
  } catch {
    return "not a Problem: \(error)"
  }
}
