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
    case roles, scopes
  }
}

extension Principal {
  /// The signed-in user of an access token the gateway verified: its user, service, session,
  /// client, roles there and scopes.
  public init(claims: AccessTokenClaims) {
    self.init(
      userID: claims.sub, serviceSlug: claims.aud, sessionID: claims.sid, clientID: claims.clientID,
      roles: claims.roles, scopes: claims.scope.split(separator: " ").map(String.init))
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
}
