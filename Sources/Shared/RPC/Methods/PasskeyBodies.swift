import Foundation

/// `POST /api/v1/users/me/passkeys/options`'s body: the account-security gate's proof.
public struct PasskeyOptionsBody: Codable, Sendable {
  public var currentPassword: String?
  public init(currentPassword: String?) { self.currentPassword = currentPassword }
  enum CodingKeys: String, CodingKey { case currentPassword = "current_password" }
}

/// `POST /api/v1/users/me/passkeys`'s body: the ceremony, a name for the passkey, the credential.
public struct RegisterPasskeyBody: Codable, Sendable {
  public var challengeID: String
  public var name: String?
  public var credential: PasskeyCredential
  public init(challengeID: String, name: String?, credential: PasskeyCredential) {
    self.challengeID = challengeID
    self.name = name
    self.credential = credential
  }
  enum CodingKeys: String, CodingKey {
    case name, credential
    case challengeID = "challenge_id"
  }
}

public struct RegisterPasskeyRequest: Codable, Sendable {
  public var body: RegisterPasskeyBody
  public var client: ClientInfo
  public init(body: RegisterPasskeyBody, client: ClientInfo) {
    self.body = body
    self.client = client
  }
}

/// One of the caller's passkeys.
public struct PasskeyView: Codable, Sendable {
  public var id: String
  public var name: String
  public var createdAt: Date
  public var lastUsedAt: Date?
  /// Synced between the person's devices (the authenticator's backup state).
  public var backedUp: Bool
  public init(id: String, name: String, createdAt: Date, lastUsedAt: Date?, backedUp: Bool) {
    self.id = id
    self.name = name
    self.createdAt = createdAt
    self.lastUsedAt = lastUsedAt
    self.backedUp = backedUp
  }
  enum CodingKeys: String, CodingKey {
    case id, name
    case createdAt = "created_at"
    case lastUsedAt = "last_used_at"
    case backedUp = "backed_up"
  }
}

public struct PasskeyList: Codable, Sendable {
  public var passkeys: [PasskeyView]
  public init(passkeys: [PasskeyView]) { self.passkeys = passkeys }
}

/// `PATCH /api/v1/users/me/passkeys/{id}`'s body.
public struct RenamePasskeyBody: Codable, Sendable {
  public var name: String
  public init(name: String) { self.name = name }
}

public struct RenamePasskeyRequest: Codable, Sendable {
  public var id: String
  public var name: String
  public init(id: String, name: String) {
    self.id = id
    self.name = name
  }
}

public struct RemovePasskeyRequest: Codable, Sendable {
  public var id: String
  public var client: ClientInfo
  public init(id: String, client: ClientInfo) {
    self.id = id
    self.client = client
  }
}

/// `POST /api/v1/auth/passkey/options`'s body.
public struct PasskeySignInOptionsBody: Codable, Sendable {
  public var service: String
  public init(service: String) { self.service = service }
}

/// `POST /api/v1/auth/passkey`'s body: the ceremony and the credential's assertion.
public struct PasskeySignInBody: Codable, Sendable {
  public var challengeID: String
  public var clientType: ClientType?
  public var credential: PasskeyCredential
  public init(challengeID: String, clientType: ClientType?, credential: PasskeyCredential) {
    self.challengeID = challengeID
    self.clientType = clientType
    self.credential = credential
  }
  enum CodingKeys: String, CodingKey {
    case credential
    case challengeID = "challenge_id"
    case clientType = "client_type"
  }
}

public struct PasskeySignInRequest: Codable, Sendable {
  public var body: PasskeySignInBody
  public var client: ClientInfo
  public init(body: PasskeySignInBody, client: ClientInfo) {
    self.body = body
    self.client = client
  }
}

/// A passkey's answer to the ceremony `challenge_id` (a second factor, the hosted sign-in page).
public struct PasskeyAssertionBody: Codable, Sendable {
  public var challengeID: String
  public var credential: PasskeyCredential
  public init(challengeID: String, credential: PasskeyCredential) {
    self.challengeID = challengeID
    self.credential = credential
  }
  enum CodingKeys: String, CodingKey {
    case credential
    case challengeID = "challenge_id"
  }
}
