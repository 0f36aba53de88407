extension TokenRPC {
    public static let refresh = RPCMethod<RefreshRequest, TokenGrant>(service: .token, name: "refresh")
}

public struct RefreshRequest: Codable, Sendable {
    public var refreshToken: String
    public var client: ClientInfo
    /// Set when the token came in the cookie: the request's `Origin` header ("" when absent),
    /// which must be one of the service's allowed origins (CSRF protection).
    public var cookieOrigin: String?

    public init(refreshToken: String, client: ClientInfo, cookieOrigin: String?) {
        self.refreshToken = refreshToken
        self.client = client
        self.cookieOrigin = cookieOrigin
    }

    enum CodingKeys: String, CodingKey {
        case refreshToken = "refresh_token"
        case client
        case cookieOrigin = "cookie_origin"
    }
}

/// `POST /api/v1/auth/refresh`'s body; web clients send the cookie instead.
public struct RefreshBody: Codable, Sendable {
    public var refreshToken: String?

    public init(refreshToken: String? = nil) { self.refreshToken = refreshToken }

    enum CodingKeys: String, CodingKey { case refreshToken = "refresh_token" }
}
