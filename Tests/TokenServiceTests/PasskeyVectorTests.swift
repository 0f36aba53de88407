import Shared
import Testing

@testable import TokenService

/// Registrations and sign-ins made by another implementation, python-fido2 2.2.1: the bytes
/// below are what `python3 Tests/python/passkey_vectors.py` prints (it documents how: software
/// P-256 and Ed25519 keys from fixed secrets, `none` attestation, deterministic signatures, RP ID
/// login.example.com on https://login.example.com; the Ed25519 registration carries a
/// credProtect extension). Run it again after `pip install fido2==2.2.1`: it prints the same.
@Suite(.timeLimit(.minutes(1))) struct PasskeyVectorTests {
  static let rpID = "login.example.com"
  static let origin = "https://login.example.com"

  struct Vector: Sendable, CustomTestStringConvertible {
    let name: String
    let algorithm: Int
    let registrationChallenge, attestationObject, registrationClientDataJSON, credentialID, publicKeyCOSE: String
    let assertionChallenge, authenticatorData, assertionClientDataJSON, signature: String
    var testDescription: String { name }
  }

  static let vectors = [
    Vector(
      name: "ES256", algorithm: -7, registrationChallenge: es256RegistrationChallenge, attestationObject: es256AttestationObject,
      registrationClientDataJSON: es256RegistrationClientDataJSON, credentialID: es256CredentialID, publicKeyCOSE: es256PublicKeyCOSE,
      assertionChallenge: es256AssertionChallenge, authenticatorData: es256AuthenticatorData,
      assertionClientDataJSON: es256AssertionClientDataJSON, signature: es256Signature),
    Vector(
      name: "EdDSA", algorithm: -8, registrationChallenge: ed25519RegistrationChallenge, attestationObject: ed25519AttestationObject,
      registrationClientDataJSON: ed25519RegistrationClientDataJSON, credentialID: ed25519CredentialID,
      publicKeyCOSE: ed25519PublicKeyCOSE, assertionChallenge: ed25519AssertionChallenge, authenticatorData: ed25519AuthenticatorData,
      assertionClientDataJSON: ed25519AssertionClientDataJSON, signature: ed25519Signature),
  ]

  static func bytes(_ text: String) -> [UInt8] { Base64URL.decode(text) ?? [] }

  static func expectation(_ challenge: String) -> PasskeyExpectation {
    PasskeyExpectation(challenge: bytes(challenge), origins: [origin], rpID: rpID, userVerificationRequired: true)
  }

  @Test(arguments: PasskeyVectorTests.vectors) func fido2sRegistrationGivesItsCredentialAndKey(vector: Vector) throws {
    let passkey = try PasskeyRegistration.verify(
      attestationObject: Self.bytes(vector.attestationObject), clientDataJSON: Self.bytes(vector.registrationClientDataJSON),
      expecting: Self.expectation(vector.registrationChallenge))
    #expect(passkey.credentialID == Self.bytes(vector.credentialID))
    #expect(passkey.publicKeyCOSE == Self.bytes(vector.publicKeyCOSE))
    #expect(passkey.algorithm == vector.algorithm)
    #expect(passkey.signCount == 0 && passkey.userVerified && passkey.backupEligible && !passkey.backedUp)
  }

  @Test(arguments: PasskeyVectorTests.vectors) func fido2sAssertionVerifiesWithTheRegisteredKey(vector: Vector) throws {
    func verify(storedSignCount: UInt32, challenge: String) throws(Problem) -> (signCount: UInt32, userVerified: Bool, backedUp: Bool) {
      try PasskeyAssertion.verify(
        authenticatorData: Self.bytes(vector.authenticatorData), clientDataJSON: Self.bytes(vector.assertionClientDataJSON),
        signature: Self.bytes(vector.signature), publicKeyCOSE: Self.bytes(vector.publicKeyCOSE), storedSignCount: storedSignCount,
        expecting: Self.expectation(challenge))
    }
    let result = try verify(storedSignCount: 0, challenge: vector.assertionChallenge)
    #expect(result.signCount == 7 && result.userVerified && result.backedUp)
    #expect(problemCode { try verify(storedSignCount: 7, challenge: vector.assertionChallenge) } == "passkey_counter_regressed")
    #expect(problemCode { try verify(storedSignCount: 0, challenge: vector.registrationChallenge) } == "passkey_challenge_mismatch")
  }
}

/// The output of Tests/python/passkey_vectors.py, unchanged.
extension PasskeyVectorTests {
  static let es256RegistrationChallenge = "oaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaE"
  static let es256AttestationObject = [
    "o2NmbXRkbm9uZWdhdHRTdG10oGhhdXRoRGF0YViUDGygg5w6VoNVeDP2GKJVZmXfKgiJZHh9U4ULStTTvtxNAAAAAAAAAAAAAAAA",
    "AAAAAAAAAAAAEAECAwQFBgcICQoLDA0ODxClAQIDJiABIVggAhfmF_C2RDkoJ4-WmZ5pojpPLBUr321s32bluAKC1O0iWCAZSn3r",
    "y5dxLS3aPKhaqHZaVvRfx1hZllLyiXxlMG5XlA",
  ].joined()
  static let es256RegistrationClientDataJSON = [
    "eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIiwiY2hhbGxlbmdlIjoib2FHaG9hR2hvYUdob2FHaG9hR2hvYUdob2FHaG9hR2hvYUdo",
    "b2FHaG9hRSIsIm9yaWdpbiI6Imh0dHBzOi8vbG9naW4uZXhhbXBsZS5jb20iLCJjcm9zc09yaWdpbiI6ZmFsc2V9",
  ].joined()
  static let es256CredentialID = "AQIDBAUGBwgJCgsMDQ4PEA"
  static let es256PublicKeyCOSE = [
    "pQECAyYgASFYIAIX5hfwtkQ5KCePlpmeaaI6TywVK99tbN9m5bgCgtTtIlggGUp968uXcS0t2jyoWqh2Wlb0X8dYWZZS8ol8ZTBu",
    "V5Q",
  ].joined()
  static let es256AssertionChallenge = "srKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrI"
  static let es256AuthenticatorData = "DGygg5w6VoNVeDP2GKJVZmXfKgiJZHh9U4ULStTTvtwdAAAABw"
  static let es256AssertionClientDataJSON = [
    "eyJ0eXBlIjoid2ViYXV0aG4uZ2V0IiwiY2hhbGxlbmdlIjoic3JLeXNyS3lzckt5c3JLeXNyS3lzckt5c3JLeXNyS3lzckt5c3JL",
    "eXNySSIsIm9yaWdpbiI6Imh0dHBzOi8vbG9naW4uZXhhbXBsZS5jb20iLCJjcm9zc09yaWdpbiI6ZmFsc2V9",
  ].joined()
  static let es256Signature = "MEQCIGMLCEeZJTIGYn-XKM6QOssMZxqDJkbisIlPrf7okxYNAiAwzH0Uq0Q-JMDVl9aWWPaX3BkcBvevcQ32uNFTtv58cg"
  static let ed25519RegistrationChallenge = "w8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8M"
  static let ed25519AttestationObject = [
    "o2NmbXRkbm9uZWdhdHRTdG10oGhhdXRoRGF0YViPDGygg5w6VoNVeDP2GKJVZmXfKgiJZHh9U4ULStTTvtzNAAAAAAAAAAAAAAAA",
    "AAAAAAAAAAAAICAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4_pAEBAycgBiFYIKCapfR6Z1mAL_lV-NwtKhSlyZ0jvpf4",
    "ZBJ_-Tg0VaTwoWtjcmVkUHJvdGVjdAI",
  ].joined()
  static let ed25519RegistrationClientDataJSON = [
    "eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIiwiY2hhbGxlbmdlIjoidzhQRHc4UER3OFBEdzhQRHc4UER3OFBEdzhQRHc4UER3OFBE",
    "dzhQRHc4TSIsIm9yaWdpbiI6Imh0dHBzOi8vbG9naW4uZXhhbXBsZS5jb20iLCJjcm9zc09yaWdpbiI6ZmFsc2V9",
  ].joined()
  static let ed25519CredentialID = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8"
  static let ed25519PublicKeyCOSE = "pAEBAycgBiFYIKCapfR6Z1mAL_lV-NwtKhSlyZ0jvpf4ZBJ_-Tg0VaTw"
  static let ed25519AssertionChallenge = "1NTU1NTU1NTU1NTU1NTU1NTU1NTU1NTU1NTU1NTU1NQ"
  static let ed25519AuthenticatorData = "DGygg5w6VoNVeDP2GKJVZmXfKgiJZHh9U4ULStTTvtwdAAAABw"
  static let ed25519AssertionClientDataJSON = [
    "eyJ0eXBlIjoid2ViYXV0aG4uZ2V0IiwiY2hhbGxlbmdlIjoiMU5UVTFOVFUxTlRVMU5UVTFOVFUxTlRVMU5UVTFOVFUxTlRVMU5U",
    "VTFOUSIsIm9yaWdpbiI6Imh0dHBzOi8vbG9naW4uZXhhbXBsZS5jb20iLCJjcm9zc09yaWdpbiI6ZmFsc2V9",
  ].joined()
  static let ed25519Signature = "IrRzUckmv64uXNXJrf9vsgvwsl56i3Na5xCZAZxOBDWHQZc7hNtlJbvXVnX2aXu1uGYZB9G8pkhfM-f2LtMTAw"
}
