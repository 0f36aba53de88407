import Foundation

/// token-service's passkey methods (docs/passkeys.md): registering a passkey from the account,
/// managing it, and signing in with it. Credentials travel as the browser's own JSON
/// (`PublicKeyCredential.toJSON()`, WebAuthn's names, binary fields base64url).
extension TokenRPC {
  /// The signed-in caller's registration options (the gateway passed the account-security gate).
  public static let passkeyRegistrationOptions = RPCMethod<NoRequest, PasskeyCreationOptions>(
    service: .token, name: "passkey_registration_options")
  public static let registerPasskey = RPCMethod<RegisterPasskeyRequest, PasskeyView>(service: .token, name: "register_passkey")
  public static let passkeys = RPCMethod<NoRequest, PasskeyList>(service: .token, name: "passkeys")
  public static let renamePasskey = RPCMethod<RenamePasskeyRequest, PasskeyView>(service: .token, name: "rename_passkey")
  public static let removePasskey = RPCMethod<RemovePasskeyRequest, PasskeyList>(service: .token, name: "remove_passkey")
  public static let passkeySignInOptions = RPCMethod<PasskeySignInOptionsBody, PasskeyRequestOptions>(
    service: .token, name: "passkey_sign_in_options")
  public static let passkeySignIn = RPCMethod<PasskeySignInRequest, TokenGrant>(service: .token, name: "passkey_sign_in")
}

/// A credential as the browser's `toJSON()` gives it: the registration's `attestationObject`, or
/// the sign-in's `authenticatorData`, `signature` and `userHandle`.
public struct PasskeyCredential: Codable, Sendable {
  public struct Response: Codable, Sendable {
    public var clientDataJSON: String
    public var attestationObject: String?
    public var authenticatorData: String?
    public var signature: String?
    public var userHandle: String?

    public init(
      clientDataJSON: String, attestationObject: String? = nil, authenticatorData: String? = nil, signature: String? = nil,
      userHandle: String? = nil
    ) {
      self.clientDataJSON = clientDataJSON
      self.attestationObject = attestationObject
      self.authenticatorData = authenticatorData
      self.signature = signature
      self.userHandle = userHandle
    }

    enum CodingKeys: String, CodingKey {
      case clientDataJSON, attestationObject, authenticatorData, signature, userHandle
    }
  }

  public var id: String
  public var type: String
  public var response: Response

  public init(id: String, type: String = "public-key", response: Response) {
    self.id = id
    self.type = type
    self.response = response
  }

  enum CodingKeys: String, CodingKey {
    case id, type, response
  }
}

/// A credential descriptor of the options (`excludeCredentials`, `allowCredentials`).
public struct PasskeyDescriptor: Codable, Sendable {
  public var type = "public-key"
  public var id: String
  public init(id: String) { self.id = id }
  enum CodingKeys: String, CodingKey { case type, id }
}

/// `PublicKeyCredentialCreationOptionsJSON`, for `PublicKeyCredential.parseCreationOptionsFromJSON`.
public struct PasskeyCreationJSON: Codable, Sendable {
  public struct Party: Codable, Sendable {
    public var id: String
    public var name: String
    public init(id: String, name: String) {
      self.id = id
      self.name = name
    }
  }
  public struct User: Codable, Sendable {
    public var id: String
    public var name: String
    public var displayName: String
    public init(id: String, name: String, displayName: String) {
      self.id = id
      self.name = name
      self.displayName = displayName
    }
    enum CodingKeys: String, CodingKey { case id, name, displayName }
  }
  public struct Parameter: Codable, Sendable {
    public var type = "public-key"
    public var alg: Int
    enum CodingKeys: String, CodingKey { case type, alg }
  }
  public struct Selection: Codable, Sendable {
    public var residentKey = "required"
    public var requireResidentKey = true
    public var userVerification = "required"
    enum CodingKeys: String, CodingKey { case residentKey, requireResidentKey, userVerification }
  }

  public var rp: Party
  public var user: User
  public var challenge: String
  public var pubKeyCredParams: [Parameter] = [.init(alg: -7), .init(alg: -8)]
  public var timeout = 300_000
  public var excludeCredentials: [PasskeyDescriptor]
  public var authenticatorSelection = Selection()
  public var attestation = "none"

  public init(rp: Party, user: User, challenge: String, excludeCredentials: [PasskeyDescriptor]) {
    self.rp = rp
    self.user = user
    self.challenge = challenge
    self.excludeCredentials = excludeCredentials
  }

  enum CodingKeys: String, CodingKey {
    case rp, user, challenge, pubKeyCredParams, timeout, excludeCredentials, authenticatorSelection, attestation
  }
}

/// `PublicKeyCredentialRequestOptionsJSON`: no `allowCredentials`, the authenticator offers the
/// passkeys it holds for the RP ID (discoverable credentials).
public struct PasskeyRequestJSON: Codable, Sendable {
  public var challenge: String
  public var timeout = 300_000
  public var rpId: String
  public var allowCredentials: [PasskeyDescriptor] = []
  public var userVerification = "required"

  public init(challenge: String, rpId: String) {
    self.challenge = challenge
    self.rpId = rpId
  }

  enum CodingKeys: String, CodingKey { case challenge, timeout, rpId, allowCredentials, userVerification }
}

/// The options of a registration, and the id of the ceremony to finish with.
public struct PasskeyCreationOptions: Codable, Sendable {
  public var challengeID: String
  public var publicKey: PasskeyCreationJSON
  public init(challengeID: String, publicKey: PasskeyCreationJSON) {
    self.challengeID = challengeID
    self.publicKey = publicKey
  }
  enum CodingKeys: String, CodingKey {
    case challengeID = "challenge_id"
    case publicKey = "public_key"
  }
}

/// The options of a sign-in, and the id of the ceremony to finish with.
public struct PasskeyRequestOptions: Codable, Sendable {
  public var challengeID: String
  public var publicKey: PasskeyRequestJSON
  public init(challengeID: String, publicKey: PasskeyRequestJSON) {
    self.challengeID = challengeID
    self.publicKey = publicKey
  }
  enum CodingKeys: String, CodingKey {
    case challengeID = "challenge_id"
    case publicKey = "public_key"
  }
}
