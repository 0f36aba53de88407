extension TokenRPC {
  public static let refresh = RPCMethod<RefreshRequest, TokenGrant>(service: .token, name: "refresh")
}

public struct RefreshRequest: Codable, Sendable {
  public var refreshToken: String
  public var client: ClientInfo
  /// Set when the token came in the cookie: the request's `Origin` header ("" when absent),
  /// which must be one of the service's allowed origins (CSRF protection).
  public var cookieOrigin: String?
  /// The service whose token this must be (its slug), when the caller knows: the cookie's name
  /// says it, or the client named it. A token of another service is refused unspent.
  public var service: String?

  public init(refreshToken: String, client: ClientInfo, cookieOrigin: String?, service: String? = nil) {
    self.refreshToken = refreshToken
    self.client = client
    self.cookieOrigin = cookieOrigin
    self.service = service
  }

  enum CodingKeys: String, CodingKey {
    case refreshToken = "refresh_token"
    case client
    case cookieOrigin = "cookie_origin"
    case service
  }
}

/// `POST /api/v1/auth/refresh`'s body; web clients send the cookie instead, and name their
/// service (its slug) when the browser may hold cookies of several.
public struct RefreshBody: Codable, Sendable {
  public var refreshToken: String?
  public var service: String?

  public init(refreshToken: String? = nil, service: String? = nil) {
    self.refreshToken = refreshToken
    self.service = service
  }

  enum CodingKeys: String, CodingKey {
    case refreshToken = "refresh_token"
    case service
  }
}
