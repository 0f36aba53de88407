import Foundation

/// token-service's gate in front of account-security changes (docs/security.md): linking and unlinking a
/// social account need a token of a first-party service and a recent proof of who is asking.
extension TokenRPC {
  public static let reauthenticate = RPCMethod<ReauthenticationRequest, Reauthenticated>(service: .token, name: "reauthenticate")
}

/// For what, and the current password when they send it with the change. Who asks (the user,
/// session and service of the access token) is the call's principal.
public struct ReauthenticationRequest: Codable, Sendable {
  /// What is about to change, for the audit row: `social_link`, `social_unlink`, `identity_phone`, `email_change`.
  public var purpose: String
  public var currentPassword: String?
  public var client: ClientInfo

  public init(purpose: String, currentPassword: String?, client: ClientInfo) {
    self.purpose = purpose
    self.currentPassword = currentPassword
    self.client = client
  }

  enum CodingKeys: String, CodingKey {
    case currentPassword = "current_password"
    case purpose, client
  }
}

/// The session's proof is recent enough until `until`.
public struct Reauthenticated: Codable, Sendable {
  public var until: Date

  public init(until: Date) { self.until = until }
}
