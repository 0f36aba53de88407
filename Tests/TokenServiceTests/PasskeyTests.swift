import Crypto
import Shared
import Testing

@testable import TokenService

/// WebAuthn Level 2 sections 7.1 and 7.2 as PasskeyRegistration and PasskeyAssertion check them,
/// with keys made in the test: each test breaks one step and expects that step's problem.
@Suite(.timeLimit(.minutes(1))) struct PasskeyTests {
  typealias F = PasskeyFixture

  @Test(arguments: [SoftAuthenticator.es256(), .ed25519()])
  func aRegistrationGivesTheCredentialAndItsKeyWhichThenSignsIn(authenticator: SoftAuthenticator) throws {
    var registration = RegistrationCase(authenticator)
    registration.flags |= F.be | F.bs
    let passkey = try registration.run()
    #expect(passkey.credentialID == authenticator.credentialID)
    #expect(passkey.publicKeyCOSE == authenticator.coseKey)
    #expect(passkey.algorithm == (isP256(authenticator) ? -7 : -8))
    #expect(passkey.signCount == 0 && passkey.userVerified && passkey.backupEligible && passkey.backedUp)

    var assertion = AssertionCase(authenticator)
    assertion.storedKey = passkey.publicKeyCOSE
    assertion.signCount = 3
    assertion.flags = F.up | F.be
    let result = try assertion.run()
    #expect(result.signCount == 3 && !result.userVerified && !result.backedUp)
  }

  func isP256(_ authenticator: SoftAuthenticator) -> Bool {
    if case .p256 = authenticator.key { return true }
    return false
  }

  @Test func anotherOriginOrACrossOriginFrameIsRefused() {
    var registration = RegistrationCase(.es256())
    registration.origin = "https://evil.example.com"
    #expect(problemCode { try registration.run() } == "passkey_origin_mismatch")
    registration.origin = "https://login.example.com:8443"
    #expect(problemCode { try registration.run() } == "passkey_origin_mismatch")
    registration.origin = F.origin
    registration.crossOrigin = true
    #expect(problemCode { try registration.run() } == "passkey_origin_mismatch")
    registration.crossOrigin = false
    #expect(problemCode { try registration.run() } == nil)

    var assertion = AssertionCase(.ed25519())
    assertion.origin = "http://login.example.com"
    #expect(problemCode { try assertion.run() } == "passkey_origin_mismatch")
    assertion.origin = F.origin
    assertion.crossOrigin = true
    #expect(problemCode { try assertion.run() } == "passkey_origin_mismatch")
  }

  @Test func anAuthenticatorAnsweringForAnotherRPIDIsRefused() {
    var registration = RegistrationCase(.es256())
    registration.rpID = "example.com"
    #expect(problemCode { try registration.run() } == "passkey_rp_mismatch")
    var assertion = AssertionCase(.es256())
    assertion.rpID = "evil.example.com"
    #expect(problemCode { try assertion.run() } == "passkey_rp_mismatch")
  }

  @Test func anotherOrAnOldChallengeIsRefused() {
    let earlier: [UInt8] = Array(1...32)
    var registration = RegistrationCase(.es256())
    registration.challenge = earlier
    #expect(problemCode { try registration.run() } == "passkey_challenge_mismatch")
    registration.challenge = Array(F.challenge.dropLast())
    #expect(problemCode { try registration.run() } == "passkey_challenge_mismatch")

    // A response replayed after its challenge was used: the store now expects a new one.
    var assertion = AssertionCase(.ed25519())
    #expect(problemCode { try assertion.run() } == nil)
    assertion.expectation = F.expectation(challenge: Array(200..<232))
    #expect(problemCode { try assertion.run() } == "passkey_challenge_mismatch")
  }

  @Test func aChallengeTooShortToBeRandomIsNeverMatched() {
    var assertion = AssertionCase(.es256())
    assertion.challenge = Array(1...8)
    assertion.expectation = F.expectation(challenge: Array(1...8))
    #expect(problemCode { try assertion.run() } == "passkey_challenge_mismatch")
  }

  @Test func theOtherCeremonysClientDataIsRefused() {
    var registration = RegistrationCase(.es256())
    registration.type = "webauthn.get"
    #expect(problemCode { try registration.run() } == "passkey_wrong_ceremony")
    var assertion = AssertionCase(.es256())
    assertion.type = "webauthn.create"
    #expect(problemCode { try assertion.run() } == "passkey_wrong_ceremony")
    assertion.type = "payment.get"
    #expect(problemCode { try assertion.run() } == "passkey_wrong_ceremony")
  }

  @Test func withoutUserPresenceNothingPasses() {
    var registration = RegistrationCase(.es256())
    registration.flags = F.uv | F.at
    #expect(problemCode { try registration.run() } == "passkey_user_not_present")
    var assertion = AssertionCase(.ed25519())
    assertion.flags = F.uv
    #expect(problemCode { try assertion.run() } == "passkey_user_not_present")
  }

  @Test func userVerificationIsNeededOnlyWhenRequired() throws {
    var registration = RegistrationCase(.es256())
    registration.flags = F.up | F.at
    #expect(try registration.run().userVerified == false)
    registration.expectation = F.expectation(userVerificationRequired: true)
    #expect(problemCode { try registration.run() } == "passkey_user_not_verified")
    registration.flags |= F.uv
    #expect(try registration.run().userVerified)

    var assertion = AssertionCase(.ed25519())
    assertion.flags = F.up
    #expect(try assertion.run().userVerified == false)
    assertion.expectation = F.expectation(userVerificationRequired: true)
    #expect(problemCode { try assertion.run() } == "passkey_user_not_verified")
  }

  /// A stored and a new counter, and whether section 7.2 step 21 lets the sign-in pass.
  struct Counters: Sendable, CustomTestStringConvertible {
    let stored: UInt32
    let new: UInt32
    let passes: Bool
    var testDescription: String { "\(stored) then \(new)" }
  }

  @Test(arguments: [
    Counters(stored: 0, new: 0, passes: true), Counters(stored: 0, new: 1, passes: true), Counters(stored: 5, new: 6, passes: true),
    Counters(stored: 5, new: 5, passes: false), Counters(stored: 5, new: 4, passes: false), Counters(stored: 5, new: 0, passes: false),
    Counters(stored: UInt32.max - 1, new: UInt32.max, passes: true),
  ])
  func theSignCounterMustGoUpOnceEitherSideCounts(counters: Counters) throws {
    var assertion = AssertionCase(.es256())
    assertion.storedSignCount = counters.stored
    assertion.signCount = counters.new
    if counters.passes {
      #expect(try assertion.run().signCount == counters.new)
    } else {
      #expect(problemCode { try assertion.run() } == "passkey_counter_regressed")
    }
  }

  @Test(arguments: [SoftAuthenticator.es256(), .ed25519()])
  func aSignatureThatIsNotTheKeysOverTheseBytesIsRefused(authenticator: SoftAuthenticator) {
    var assertion = AssertionCase(authenticator)
    assertion.tamper = { signature in
      var flipped = signature
      flipped[flipped.count - 1] ^= 0x01
      return flipped
    }
    #expect(problemCode { try assertion.run() } == "passkey_signature_invalid")
    assertion.tamper = { _ in [] }
    #expect(problemCode { try assertion.run() } == "passkey_signature_invalid")
    // A valid signature by another key of the same kind.
    let other = isP256(authenticator) ? SoftAuthenticator.es256() : .ed25519()
    assertion.storedKey = other.coseKey
    assertion.tamper = { $0 }
    #expect(problemCode { try assertion.run() } == "passkey_signature_invalid")
  }

  @Test func aSignatureOverOtherClientDataIsRefused() throws {
    let authenticator = SoftAuthenticator.es256()
    let authData = F.authenticatorData(flags: F.up, signCount: 1)
    let signedClientData = F.clientData(type: "webauthn.get", challenge: Array(1...32), origin: F.origin)
    let sentClientData = F.clientData(type: "webauthn.get", challenge: F.challenge, origin: F.origin)
    let signature = authenticator.sign(authData + Array(SHA256.hash(data: signedClientData)))
    let code = problemCode {
      try PasskeyAssertion.verify(
        authenticatorData: authData, clientDataJSON: sentClientData, signature: signature, publicKeyCOSE: authenticator.coseKey,
        storedSignCount: 0, expecting: F.expectation())
    }
    #expect(code == "passkey_signature_invalid")
  }
}
