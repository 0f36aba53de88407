import Crypto
import Shared
import Testing

@testable import TokenService

/// What the browser and authenticator send, read strictly: COSE keys of other algorithms,
/// attestation objects and statements, authenticator data cut short or padded, client data.
@Suite(.timeLimit(.minutes(1))) struct PasskeyInputTests {
  typealias F = PasskeyFixture

  /// An RSA COSE key (kty 3, RS256): valid COSE, not an algorithm passkeys here may use.
  static let rs256Key = TestCBOR.encode(
    TestCBOR.labels([1: .int(3), 3: .int(-257), -1: .bytes(Array(repeating: 0xc1, count: 256)), -2: .bytes([1, 0, 1])]))

  @Test func keysOfOtherAlgorithmsAreRefusedAtRegistrationAndSignIn() {
    var registration = RegistrationCase(.es256())
    registration.coseKey = Self.rs256Key
    #expect(problemCode { try registration.run() } == "passkey_unsupported_algorithm")
    // ES256 named with an Ed25519 curve, and EdDSA named on P-256: neither is a key we know.
    let ed = Array(Curve25519.Signing.PrivateKey().publicKey.rawRepresentation)
    registration.coseKey = TestCBOR.encode(TestCBOR.labels([1: .int(1), 3: .int(-7), -1: .int(6), -2: .bytes(ed)]))
    #expect(problemCode { try registration.run() } == "passkey_unsupported_algorithm")
    registration.coseKey = TestCBOR.encode(TestCBOR.labels([1: .int(2), 3: .int(-8), -1: .int(1), -2: .bytes(ed), -3: .bytes(ed)]))
    #expect(problemCode { try registration.run() } == "passkey_unsupported_algorithm")

    var assertion = AssertionCase(.es256())
    assertion.storedKey = Self.rs256Key
    #expect(problemCode { try assertion.run() } == "passkey_unsupported_algorithm")
  }

  @Test func aKeyWithoutItsAlgorithmOrWithShortCoordinatesIsInvalid() {
    let ed = Array(Curve25519.Signing.PrivateKey().publicKey.rawRepresentation)
    var registration = RegistrationCase(.ed25519())
    registration.coseKey = TestCBOR.encode(TestCBOR.labels([1: .int(1), -1: .int(6), -2: .bytes(ed)]))
    #expect(problemCode { try registration.run() } == "passkey_invalid")
    registration.coseKey = TestCBOR.encode(TestCBOR.labels([1: .int(1), 3: .int(-8), -1: .int(6), -2: .bytes(Array(ed.dropLast()))]))
    #expect(problemCode { try registration.run() } == "passkey_invalid")
    // x and y of the right length that are not a point on P-256.
    registration.coseKey = TestCBOR.encode(
      TestCBOR.labels([
        1: .int(2), 3: .int(-7), -1: .int(1), -2: .bytes(Array(repeating: 1, count: 32)), -3: .bytes(Array(repeating: 1, count: 32)),
      ]))
    #expect(problemCode { try registration.run() } == "passkey_invalid")
    registration.coseKey = TestCBOR.encode(.array([.int(1)]))
    #expect(problemCode { try registration.run() } == "passkey_invalid")
  }

  @Test func noneNeedsAnEmptyStatementAndOtherFormatsAreAcceptedUnverified() throws {
    var registration = RegistrationCase(.es256())
    registration.statement = .map([.text("sig"): .bytes([1, 2, 3])])
    #expect(problemCode { try registration.run() } == "passkey_invalid")
    registration.fmt = "packed"
    registration.statement = .map([.text("alg"): .int(-7), .text("sig"): .bytes([1, 2, 3])])
    #expect(try registration.run().algorithm == -7)
    registration.statement = .array([])
    #expect(problemCode { try registration.run() } == "passkey_invalid")
  }

  @Test func anAttestationObjectMustBeOneMapOfFmtAttStmtAndAuthData() {
    let registration = RegistrationCase(.es256())
    let clientData = F.clientData(type: "webauthn.create", challenge: F.challenge, origin: F.origin)
    func code(_ object: [UInt8]) -> String? {
      problemCode { try PasskeyRegistration.verify(attestationObject: object, clientDataJSON: clientData, expecting: F.expectation()) }
    }
    let good = F.attestationObject(authData: registration.authenticatorData)
    #expect(code(good) == nil)
    #expect(code(good + [0x00]) == "passkey_invalid")
    #expect(code(Array(good.dropLast())) == "passkey_invalid")
    #expect(code(TestCBOR.encode(.map([.text("fmt"): .text("none"), .text("attStmt"): .map([:])]))) == "passkey_invalid")
    #expect(code(TestCBOR.encode(.bytes(registration.authenticatorData))) == "passkey_invalid")
  }

  @Test func aRegistrationWithoutACredentialIsInvalid() {
    var registration = RegistrationCase(.es256())
    registration.flags = F.up | F.uv
    // The credential bytes are there but AT does not announce them: trailing bytes.
    #expect(problemCode { try registration.run() } == "passkey_invalid")
    let authData = F.authenticatorData(flags: F.up | F.uv, signCount: 0)
    let code = problemCode {
      try PasskeyRegistration.verify(
        attestationObject: F.attestationObject(authData: authData),
        clientDataJSON: F.clientData(type: "webauthn.create", challenge: F.challenge, origin: F.origin), expecting: F.expectation())
    }
    #expect(code == "passkey_invalid")
  }

  @Test func authenticatorDataCutShortAnywhereIsInvalid() throws {
    let authenticator = SoftAuthenticator.es256()
    let full = F.authenticatorData(flags: F.up | F.at, signCount: 9, credential: (authenticator.credentialID, authenticator.coseKey))
    let parsed = try AuthenticatorData(full)
    #expect(parsed.signCount == 9 && parsed.attestedCredential?.publicKeyCOSE == authenticator.coseKey)
    for length in [0, 32, 36, 37, 50, 54, 55, 70, full.count - 1] {
      #expect(problemCode { try AuthenticatorData(Array(full.prefix(length))) } == "passkey_invalid", "\(length) bytes")
    }
  }

  @Test func bytesNoFlagAnnouncesAreInvalidAndExtensionsAreRead() throws {
    let plain = F.authenticatorData(flags: F.up, signCount: 1)
    #expect(problemCode { try AuthenticatorData(plain + [0xa0]) } == "passkey_invalid")
    let extensions = TestCBOR.encode(.map([.text("credProtect"): .int(2)]))
    let withExtensions = try AuthenticatorData(F.authenticatorData(flags: F.up | F.ed, signCount: 1, extensions: extensions))
    #expect(withExtensions.extensions == .map([.text("credProtect"): .int(2)]))
    #expect(
      problemCode { try AuthenticatorData(F.authenticatorData(flags: F.up | F.ed, signCount: 1, extensions: extensions + [0])) }
        == "passkey_invalid")
    #expect(
      problemCode { try AuthenticatorData(F.authenticatorData(flags: F.up | F.ed, signCount: 1, extensions: [0x01])) } == "passkey_invalid")
    #expect(problemCode { try AuthenticatorData(F.authenticatorData(flags: F.up | F.ed, signCount: 1)) } == "passkey_invalid")
  }

  @Test func backedUpWithoutBackupEligibleIsInvalid() throws {
    #expect(problemCode { try AuthenticatorData(F.authenticatorData(flags: F.up | F.bs, signCount: 1)) } == "passkey_invalid")
    let synced = try AuthenticatorData(F.authenticatorData(flags: F.up | F.be | F.bs, signCount: 1))
    #expect(synced.backupEligible && synced.backedUp)
  }

  @Test func aCredentialIDOver1023BytesIsInvalid() throws {
    let key = SoftAuthenticator.es256().coseKey
    let longest = try AuthenticatorData(
      F.authenticatorData(flags: F.up | F.at, signCount: 0, credential: (Array(repeating: 7, count: 1023), key)))
    #expect(longest.attestedCredential?.credentialID.count == 1023)
    let tooLong = F.authenticatorData(flags: F.up | F.at, signCount: 0, credential: (Array(repeating: 7, count: 1024), key))
    #expect(problemCode { try AuthenticatorData(tooLong) } == "passkey_invalid")
  }

  @Test func clientDataMustBeJSONWithACanonicalBase64URLChallenge() throws {
    let good = F.clientData(type: "webauthn.get", challenge: F.challenge, origin: F.origin, crossOrigin: false)
    let parsed = try CollectedClientData(json: good)
    #expect(parsed.challengeBytes == F.challenge && parsed.crossOrigin == false && parsed.origin == F.origin)
    let padded = #"{"type":"webauthn.get","challenge":"AQI=","origin":"https://login.example.com"}"#
    let standard = #"{"type":"webauthn.get","challenge":"+/8","origin":"https://login.example.com"}"#
    let missingOrigin = #"{"type":"webauthn.get","challenge":"AQI"}"#
    for json in [padded, standard, missingOrigin, "not json", ""] {
      #expect(problemCode { try CollectedClientData(json: Array(json.utf8)) } == "passkey_invalid", "\(json)")
    }
  }
}
