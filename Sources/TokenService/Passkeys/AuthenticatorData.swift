import Shared

/// The authenticator data of WebAuthn Level 2 section 6.1: the bytes the authenticator signs,
/// telling which relying party it answered (`rpIDHash`), what it checked (`flags`), its
/// signature counter and, at registration, the new credential. Parsing refuses anything
/// malformed, truncated or followed by bytes it cannot account for, as `passkey_invalid`.
struct AuthenticatorData: Sendable, Equatable {
  /// The flags byte (section 6.1, and Level 3's backup bits).
  struct Flags: OptionSet, Sendable, Equatable {
    let rawValue: UInt8
    /// UP: a person touched or otherwise answered the authenticator.
    static let userPresent = Flags(rawValue: 0x01)
    /// UV: the authenticator verified the person (PIN, biometrics).
    static let userVerified = Flags(rawValue: 0x04)
    /// BE: the credential may be backed up (synced) to other devices.
    static let backupEligible = Flags(rawValue: 0x08)
    /// BS: the credential is backed up now.
    static let backedUp = Flags(rawValue: 0x10)
    /// AT: attested credential data follows the counter.
    static let attestedCredentialData = Flags(rawValue: 0x40)
    /// ED: extension data (a CBOR map) comes last.
    static let extensionData = Flags(rawValue: 0x80)
  }

  /// Attested credential data (section 6.5.1): the new credential, present at registration.
  struct AttestedCredential: Sendable, Equatable {
    /// The authenticator model; all zeros for most passkeys, and unverified with `none` attestation.
    let aaguid: [UInt8]
    let credentialID: [UInt8]
    /// The credential public key exactly as its CBOR bytes appear here (a COSE_Key).
    let publicKeyCOSE: [UInt8]
    /// The same key decoded, for `COSEKey`.
    let publicKey: CBORValue
  }

  /// Section 6.5.1: a credential ID is at most 1023 bytes.
  static let maxCredentialIDLength = 1023

  let rpIDHash: [UInt8]
  let flags: Flags
  let signCount: UInt32
  let attestedCredential: AttestedCredential?
  /// The authenticator extension outputs (a CBOR map) when ED is set; no extension is acted on.
  let extensions: CBORValue?
  /// The bytes parsed, which are what the signature covers.
  let bytes: [UInt8]

  /// Parses `bytes`; every byte must belong to a part the flags announce.
  init(_ bytes: [UInt8]) throws(Problem) {
    guard bytes.count >= 37 else { throw Self.invalid("Authenticator data is shorter than 37 bytes.") }
    self.bytes = bytes
    rpIDHash = Array(bytes[0..<32])
    flags = Flags(rawValue: bytes[32])
    signCount = bytes[33..<37].reduce(0) { $0 << 8 | UInt32($1) }
    if flags.contains(.backedUp) && !flags.contains(.backupEligible) {
      throw Self.invalid("Authenticator data says backed up (BS) but not backup eligible (BE).")
    }
    var offset = 37
    if flags.contains(.attestedCredentialData) {
      attestedCredential = try Self.credential(bytes, offset: &offset)
    } else {
      attestedCredential = nil
    }
    if flags.contains(.extensionData) {
      let item: (value: CBORValue, length: Int)
      do {
        item = try CBORDecoder.decodeItem(bytes, at: offset)
      } catch {
        throw Self.invalid("Authenticator extensions: \(error).")
      }
      guard case .map = item.value else { throw Self.invalid("Authenticator extensions are not a CBOR map.") }
      extensions = item.value
      offset += item.length
    } else {
      extensions = nil
    }
    guard offset == bytes.count else {
      throw Self.invalid("Authenticator data has \(bytes.count - offset) bytes after its last part.")
    }
  }

  var userPresent: Bool { flags.contains(.userPresent) }
  var userVerified: Bool { flags.contains(.userVerified) }
  var backupEligible: Bool { flags.contains(.backupEligible) }
  var backedUp: Bool { flags.contains(.backedUp) }

  /// Attested credential data at `offset`: aaguid (16), credential ID length (UInt16, big
  /// endian), credential ID, then the public key as one CBOR item; moves `offset` past it.
  private static func credential(_ bytes: [UInt8], offset: inout Int) throws(Problem) -> AttestedCredential {
    guard bytes.count - offset >= 18 else { throw invalid("Attested credential data is truncated.") }
    let aaguid = Array(bytes[offset..<offset + 16])
    let idLength = Int(bytes[offset + 16]) << 8 | Int(bytes[offset + 17])
    offset += 18
    guard idLength <= maxCredentialIDLength else { throw invalid("The credential ID is longer than 1023 bytes.") }
    guard bytes.count - offset >= idLength else { throw invalid("The credential ID is truncated.") }
    let credentialID = Array(bytes[offset..<offset + idLength])
    offset += idLength
    let item: (value: CBORValue, length: Int)
    do {
      item = try CBORDecoder.decodeItem(bytes, at: offset)
    } catch {
      throw invalid("The credential public key: \(error).")
    }
    let publicKeyCOSE = Array(bytes[offset..<offset + item.length])
    offset += item.length
    return AttestedCredential(aaguid: aaguid, credentialID: credentialID, publicKeyCOSE: publicKeyCOSE, publicKey: item.value)
  }

  private static func invalid(_ detail: String) -> Problem {
    PasskeyProblems.invalid.problem(detail)
  }
}
