import Foundation

/// The signed-in person's browser sessions and the grants they gave OpenID clients
/// (docs/oidc.md): the person is the call's principal.
extension TokenRPC {
  public static let endBrowserSession = RPCMethod<EndBrowserSessionRequest, LogoutResponse>(
    service: .token, name: "end_browser_session")
  public static let consents = RPCMethod<NoRequest, ConsentList>(service: .token, name: "consents")
  public static let revokeConsent = RPCMethod<RevokeConsentRequest, NoRequest>(service: .token, name: "revoke_consent")
}

/// A signed-in browser (single sign-on) as the account's session list shows it.
public struct BrowserSessionView: Codable, Sendable, Equatable {
  public var id: String
  public var amr: [String]
  public var ip: String?
  public var userAgent: String?
  public var createdAt: Date
  public var lastSeenAt: Date
  public var expiresAt: Date

  public init(id: String, amr: [String], ip: String?, userAgent: String?, createdAt: Date, lastSeenAt: Date, expiresAt: Date) {
    self.id = id
    self.amr = amr
    self.ip = ip
    self.userAgent = userAgent
    self.createdAt = createdAt
    self.lastSeenAt = lastSeenAt
    self.expiresAt = expiresAt
  }

  enum CodingKeys: String, CodingKey {
    case id, amr, ip
    case userAgent = "user_agent"
    case createdAt = "created_at"
    case lastSeenAt = "last_seen_at"
    case expiresAt = "expires_at"
  }
}

public struct EndBrowserSessionRequest: Codable, Sendable {
  public var id: String
  public init(id: String) { self.id = id }
}

/// What the person allowed a third-party service.
public struct ConsentView: Codable, Sendable, Equatable {
  public var service: String
  public var name: String
  public var scopes: [String]
  public var grantedAt: Date

  public init(service: String, name: String, scopes: [String], grantedAt: Date) {
    self.service = service
    self.name = name
    self.scopes = scopes
    self.grantedAt = grantedAt
  }

  enum CodingKeys: String, CodingKey {
    case service, name, scopes
    case grantedAt = "granted_at"
  }
}

public struct ConsentList: Codable, Sendable {
  public var consents: [ConsentView]
  public init(consents: [ConsentView]) { self.consents = consents }
}

public struct RevokeConsentRequest: Codable, Sendable {
  public var service: String
  public init(service: String) { self.service = service }
}
