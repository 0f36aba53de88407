import Logging

/// The verified caller of an RPC. Only the gateway sets it, after verifying an access token or
/// client credentials; services trust it because only Gatehouse processes can reach Redis.
public struct Principal: Codable, Sendable, Equatable {
  public var userID: String?
  public var serviceSlug: String?
  public var sessionID: String?
  public var clientID: String?
  public var roles: [String]
  public var scopes: [String]
  /// The user's role across the deployment (`SUPER_ADMIN`, ...), when the token names one.
  public var platformRole: String?
  /// What the roles allow in the token's service.
  public var permissions: [String]?
  /// When the session last passed a second factor (seconds since 1970).
  public var mfaAt: Int?
  /// The access token's own id and expiry, for a logout that revokes it.
  public var tokenID: String?
  public var tokenExpiresAt: Int?

  public init(
    userID: String? = nil, serviceSlug: String? = nil, sessionID: String? = nil, clientID: String? = nil, roles: [String] = [],
    scopes: [String] = []
  ) {
    self.userID = userID
    self.serviceSlug = serviceSlug
    self.sessionID = sessionID
    self.clientID = clientID
    self.roles = roles
    self.scopes = scopes
  }

  enum CodingKeys: String, CodingKey {
    case userID = "user_id"
    case serviceSlug = "service"
    case sessionID = "session_id"
    case clientID = "client_id"
    case roles, scopes, permissions
    case platformRole = "platform_role"
    case mfaAt = "mfa_at"
    case tokenID = "jti"
    case tokenExpiresAt = "exp"
  }
}

extension Principal {
  /// The signed-in user of an access token the gateway verified: its user, service, session,
  /// client, roles there and scopes.
  public init(claims: AccessTokenClaims) {
    self.init(
      userID: claims.sub, serviceSlug: claims.aud, sessionID: claims.sid, clientID: claims.clientID,
      roles: claims.roles, scopes: claims.scope.split(separator: " ").map(String.init))
    platformRole = claims.platformRole
    permissions = claims.permissions
    mfaAt = claims.mfaAt
    tokenID = claims.jti
    tokenExpiresAt = claims.exp
  }
}

/// The signed-in user a method acts for, as the gateway verified it: the user, the service of
/// their token and their session.
public struct SignedInCaller: Sendable {
  public let userID: String
  public let service: String
  public let sessionID: String?
}

extension RPCRequestContext {
  /// The caller the gateway verified for this call (the principal), for methods that act for a
  /// signed-in user and so carry no user id of their own. A call without one is a caller's bug,
  /// not the user's: 500, logged.
  public func signedInCaller() throws(Problem) -> SignedInCaller {
    guard let principal, let userID = principal.userID else {
      logger.error("a method for a signed-in user was called without a principal")
      throw Problem.internalError()
    }
    return SignedInCaller(userID: userID, service: principal.serviceSlug ?? "", sessionID: principal.sessionID)
  }

  /// The verified caller's user id (`signedInCaller`).
  public func signedInUserID() throws(Problem) -> String {
    try signedInCaller().userID
  }

  /// The caller of an admin method, as the gateway verified it: the user, their platform role,
  /// their last second factor, and the service and permissions of their token.
  public func adminActor() throws(Problem) -> AdminActor {
    let caller = try signedInCaller()
    return AdminActor(
      userID: caller.userID, platformRole: principal?.platformRole ?? PlatformRole.user.rawValue, mfaAt: principal?.mfaAt,
      service: principal?.serviceSlug, permissions: principal?.permissions ?? [])
  }

  /// The id and expiry of the access token the call was made with.
  public func signedInToken() throws(Problem) -> (id: String, expiresAt: Int) {
    guard let id = principal?.tokenID, let expiresAt = principal?.tokenExpiresAt else {
      logger.error("a method that needs the caller's token was called without one")
      throw Problem.internalError()
    }
    return (id, expiresAt)
  }
}
