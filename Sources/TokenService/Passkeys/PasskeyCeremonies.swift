import Crypto
import Shared

/// What the relying party expects of a ceremony it started: the challenge it issued (single use:
/// the caller takes it out of its store before verifying, so a replay finds none or another),
/// the origins its pages are served from, its RP ID and whether it asked for user verification.
struct PasskeyExpectation: Sendable {
  /// The random challenge sent in the options, at least 16 bytes.
  let challenge: [UInt8]
  /// Every origin the ceremony may run on, e.g. `https://login.example.com`, compared exactly.
  let origins: [String]
  /// The RP ID (a registrable domain, e.g. `example.com`) the credential is scoped to.
  let rpID: String
  /// True when the options said `userVerification: "required"`.
  let userVerificationRequired: Bool
}

/// A credential that passed registration: what to store for the account. Whether the credential
/// ID already belongs to another account (section 7.1 step 23) is the store's check.
struct RegisteredPasskey: Sendable {
  let credentialID: [UInt8]
  /// The COSE_Key bytes exactly as the authenticator sent them; `COSEKey(cose:)` reads them back.
  let publicKeyCOSE: [UInt8]
  /// The COSE algorithm, -7 (ES256) or -8 (EdDSA).
  let algorithm: Int
  let signCount: UInt32
  let backupEligible: Bool
  let backedUp: Bool
  let userVerified: Bool
}

/// Registration, WebAuthn Level 2 section 7.1, for a relying party that asks for `none`
/// attestation: it learns a new public key and trusts it as much as the session that registers
/// it, not because of who made the authenticator.
enum PasskeyRegistration {
  /// Checks a `navigator.credentials.create()` response against `expecting` and returns the
  /// credential to store, or the first step that fails as a `PasskeyProblems` problem.
  ///
  /// The attestation statement is checked only for `fmt` "none" (it must be empty). Any other
  /// format (`packed`, `tpm`, `apple`, ...) is accepted without verifying its statement: we asked
  /// for none, so nothing rests on it, and browsers may pass an authenticator's own statement
  /// through anyway; the credential is then treated exactly like a `none` one (steps 19-21 skipped).
  static func verify(
    attestationObject: [UInt8], clientDataJSON: [UInt8], expecting: PasskeyExpectation
  ) throws(Problem) -> RegisteredPasskey {
    _ = try PasskeyChecks.clientData(clientDataJSON, type: "webauthn.create", expecting: expecting)
    let attestation = try Attestation(attestationObject)
    let authData = try AuthenticatorData(attestation.authData)
    try PasskeyChecks.authenticatorData(authData, expecting: expecting)
    guard let credential = authData.attestedCredential else {
      throw PasskeyProblems.invalid.problem("The authenticator data carries no credential (AT flag not set).")
    }
    let key = try COSEKey(credential.publicKey, bytes: credential.publicKeyCOSE)
    return RegisteredPasskey(
      credentialID: credential.credentialID, publicKeyCOSE: key.bytes, algorithm: key.algorithm.rawValue,
      signCount: authData.signCount, backupEligible: authData.backupEligible, backedUp: authData.backedUp,
      userVerified: authData.userVerified)
  }

  /// The attestation object (section 6.5.4): a CBOR map of `fmt`, `attStmt` and `authData`.
  private struct Attestation {
    let format: String
    let authData: [UInt8]

    init(_ bytes: [UInt8]) throws(Problem) {
      let value: CBORValue
      do {
        value = try CBORDecoder.decode(bytes)
      } catch {
        throw PasskeyProblems.invalid.problem("The attestation object: \(error).")
      }
      guard case .text(let format) = value["fmt"], case .map(let statement) = value["attStmt"],
        case .bytes(let authData) = value["authData"]
      else {
        throw PasskeyProblems.invalid.problem("The attestation object is not a map of fmt, attStmt and authData.")
      }
      if format == "none" && !statement.isEmpty {
        throw PasskeyProblems.invalid.problem("A \"none\" attestation carries a statement.")
      }
      self.format = format
      self.authData = authData
    }
  }
}

/// Authentication, WebAuthn Level 2 section 7.2: a signature by a registered passkey over this
/// ceremony's authenticator data and client data. Finding the passkey by its credential ID and
/// checking it belongs to the account (steps 5-6) is the caller's; this is the rest.
enum PasskeyAssertion {
  /// Checks a `navigator.credentials.get()` response with the passkey's stored key and counter.
  /// Returns the counter to store and the flags of this sign-in; throws the first failing step.
  ///
  /// The counter rule is section 7.2 step 21's, refusing what it calls a sign of a cloned
  /// authenticator: when either counter is non-zero the new one must be above the stored one
  /// (so a passkey that always sends 0, as synced passkeys do, passes; one that counted and
  /// then sends 0 or an older value does not).
  static func verify(
    authenticatorData: [UInt8], clientDataJSON: [UInt8], signature: [UInt8], publicKeyCOSE: [UInt8], storedSignCount: UInt32,
    expecting: PasskeyExpectation
  ) throws(Problem) -> (signCount: UInt32, userVerified: Bool, backedUp: Bool) {
    _ = try PasskeyChecks.clientData(clientDataJSON, type: "webauthn.get", expecting: expecting)
    let authData = try AuthenticatorData(authenticatorData)
    try PasskeyChecks.authenticatorData(authData, expecting: expecting)
    let key = try COSEKey(cose: publicKeyCOSE)
    let signed = authenticatorData + Array(SHA256.hash(data: clientDataJSON))
    guard key.isValidSignature(signature, for: signed) else {
      throw PasskeyProblems.signatureInvalid.problem("The signature does not verify with the passkey's key.")
    }
    let signCount = authData.signCount
    if (signCount != 0 || storedSignCount != 0) && signCount <= storedSignCount {
      throw PasskeyProblems.counterRegressed.problem("The signature counter is \(signCount), the last one seen \(storedSignCount).")
    }
    return (signCount, authData.userVerified, authData.backedUp)
  }
}

/// The steps registration and authentication share.
enum PasskeyChecks {
  /// The shortest challenge accepted (section 13.4.3 asks for at least 16 random bytes).
  static let minimumChallengeLength = 16

  /// Client data steps: the type, the challenge (compared in constant time), the origin, and no
  /// cross-origin frame (Gatehouse's pages are never embedded by another origin).
  static func clientData(_ json: [UInt8], type: String, expecting: PasskeyExpectation) throws(Problem) -> CollectedClientData {
    let clientData = try CollectedClientData(json: json)
    guard clientData.type == type else {
      throw PasskeyProblems.wrongCeremony.problem("The client data's type is \"\(clientData.type)\", not \"\(type)\".")
    }
    guard expecting.challenge.count >= minimumChallengeLength, constantTimeEqual(clientData.challengeBytes, expecting.challenge) else {
      throw PasskeyProblems.challengeMismatch.problem("The response is not for the challenge issued.")
    }
    guard expecting.origins.contains(clientData.origin) else {
      throw PasskeyProblems.originMismatch.problem("The origin \(clientData.origin) is not one of the service's.")
    }
    guard clientData.crossOrigin != true else {
      throw PasskeyProblems.originMismatch.problem("The ceremony ran in a cross-origin frame.")
    }
    return clientData
  }

  /// Authenticator data steps: the RP ID hash, user presence, and user verification if required.
  static func authenticatorData(_ authData: AuthenticatorData, expecting: PasskeyExpectation) throws(Problem) {
    guard authData.rpIDHash == Array(SHA256.hash(data: Array(expecting.rpID.utf8))) else {
      throw PasskeyProblems.rpMismatch.problem("The authenticator answered for another RP ID than \(expecting.rpID).")
    }
    guard authData.userPresent else {
      throw PasskeyProblems.userNotPresent.problem("The authenticator did not confirm user presence.")
    }
    guard authData.userVerified || !expecting.userVerificationRequired else {
      throw PasskeyProblems.userNotVerified.problem("User verification is required and the authenticator did not verify the user.")
    }
  }

  /// Whether `a` and `b` are equal, in time that depends on their length only.
  static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    var difference: UInt8 = 0
    for index in a.indices { difference |= a[index] ^ b[index] }
    return difference == 0
  }
}
