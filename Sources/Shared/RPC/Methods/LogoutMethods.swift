extension TokenRPC {
  /// Ends the caller's session and revokes the access token they presented.
  public static let logout = RPCMethod<LogoutRequest, LogoutResponse>(service: .token, name: "logout")
  /// Ends every session of the caller and invalidates every access token issued to them so far.
  public static let logoutAll = RPCMethod<LogoutRequest, LogoutResponse>(service: .token, name: "logout_all")
}

/// A logout. Who logs out, their session and the token they presented are the call's principal,
/// from the access token the gateway verified.
public struct LogoutRequest: Codable, Sendable {
  public var client: ClientInfo

  public init(client: ClientInfo) {
    self.client = client
  }
}

public struct LogoutResponse: Codable, Sendable {
  public var sessionsEnded: Int
  public init(sessionsEnded: Int) { self.sessionsEnded = sessionsEnded }
  enum CodingKeys: String, CodingKey { case sessionsEnded = "sessions_ended" }
}

/// `gh:ev:revoked`: an access token (by jti) or all of a subject's tokens below a version stop
/// verifying. PostgreSQL (`token.revocations`) keeps the same facts for gateways that start later
/// or missed the event (`TokenRPC.revocations`).
public struct Revocation: Codable, Sendable, Equatable {
  public var jti: String?
  /// When the revocation stops mattering (unix seconds): the token's expiry, or for a version
  /// the moment every token issued before it has expired.
  public var expiresAt: Int?
  /// The tokens' `sub`: a user's id, or a service's client id for its own (`client_credentials`)
  /// tokens, whose version is the client secret's.
  public var userID: String?
  public var tokenVersion: Int?

  public init(jti: String? = nil, expiresAt: Int? = nil, userID: String? = nil, tokenVersion: Int? = nil) {
    self.jti = jti
    self.expiresAt = expiresAt
    self.userID = userID
    self.tokenVersion = tokenVersion
  }

  enum CodingKeys: String, CodingKey {
    case jti
    case expiresAt = "expires_at"
    case userID = "user_id"
    case tokenVersion = "token_version"
  }
}

public enum RevocationKeys {
  /// No access token lives longer than this (services' lifetimes are capped at a day), plus leeway.
  public static let longestTokenLife = 86_400 + 60
}
