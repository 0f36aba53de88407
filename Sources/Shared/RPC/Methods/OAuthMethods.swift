import Foundation

/// The OAuth 2.0 endpoints (RFC 6749, 7009, 7662). The gateway parses the form and the client's
/// credentials; token-service authenticates the client and decides.
extension TokenRPC {
  public static let oauthToken = RPCMethod<OAuthTokenRequest, OAuthTokenResponse>(service: .token, name: "oauth_token")
  public static let oauthRevoke = RPCMethod<OAuthTokenInspection, NoRequest>(service: .token, name: "oauth_revoke")
  public static let oauthIntrospect = RPCMethod<OAuthTokenInspection, Introspection>(service: .token, name: "oauth_introspect")
}

/// A client as it presented itself: HTTP Basic or `client_id`/`client_secret` form fields.
public struct ClientCredentials: Codable, Sendable {
  public var clientID: String
  public var clientSecret: String?

  public init(clientID: String, clientSecret: String?) {
    self.clientID = clientID
    self.clientSecret = clientSecret
  }

  enum CodingKeys: String, CodingKey {
    case clientID = "client_id"
    case clientSecret = "client_secret"
  }
}

/// `POST /oauth/token`'s form.
public struct OAuthTokenRequest: Codable, Sendable {
  public var grantType: String
  public var credentials: ClientCredentials
  public var username: String?
  public var password: String?
  public var refreshToken: String?
  public var scope: String?
  /// The authorization_code grant: a social sign-in's login code, with its redirect URI and PKCE verifier.
  public var code: String?
  public var redirectURI: String?
  public var codeVerifier: String?
  public var client: ClientInfo

  public init(
    grantType: String, credentials: ClientCredentials, username: String?, password: String?,
    refreshToken: String?, scope: String?, code: String? = nil, redirectURI: String? = nil, codeVerifier: String? = nil,
    client: ClientInfo
  ) {
    self.code = code
    self.redirectURI = redirectURI
    self.codeVerifier = codeVerifier
    self.grantType = grantType
    self.credentials = credentials
    self.username = username
    self.password = password
    self.refreshToken = refreshToken
    self.scope = scope
    self.client = client
  }

  enum CodingKeys: String, CodingKey {
    case grantType = "grant_type"
    case credentials, username, password
    case refreshToken = "refresh_token"
    case scope, client, code
    case redirectURI = "redirect_uri"
    case codeVerifier = "code_verifier"
  }
}

/// RFC 6749 section 5.1.
public struct OAuthTokenResponse: Codable, Sendable {
  public var accessToken: String
  public var tokenType = "Bearer"
  public var expiresIn: Int
  public var refreshToken: String?
  public var scope: String
  /// With `openid` in the scope of an authorization code's exchange.
  public var idToken: String?

  public init(accessToken: String, expiresIn: Int, refreshToken: String?, scope: String) {
    self.accessToken = accessToken
    self.expiresIn = expiresIn
    self.refreshToken = refreshToken
    self.scope = scope
  }

  enum CodingKeys: String, CodingKey {
    case accessToken = "access_token"
    case tokenType = "token_type"
    case expiresIn = "expires_in"
    case refreshToken = "refresh_token"
    case scope
    case idToken = "id_token"
  }
}

/// `POST /oauth/revoke` and `POST /oauth/introspect`: a token, what the client thinks it is, and who asks.
public struct OAuthTokenInspection: Codable, Sendable {
  public var credentials: ClientCredentials
  public var token: String
  public var tokenTypeHint: String?
  public var client: ClientInfo

  public init(credentials: ClientCredentials, token: String, tokenTypeHint: String?, client: ClientInfo) {
    self.credentials = credentials
    self.token = token
    self.tokenTypeHint = tokenTypeHint
    self.client = client
  }

  enum CodingKeys: String, CodingKey {
    case credentials, token, client
    case tokenTypeHint = "token_type_hint"
  }
}

/// RFC 7662 section 2.2. An inactive token is `{"active": false}` and nothing else.
public struct Introspection: Codable, Sendable, Equatable {
  public var active: Bool
  public var tokenType: String?
  public var scope: String?
  public var clientID: String?
  public var username: String?
  public var sub: String?
  public var aud: String?
  public var iss: String?
  public var exp: Int?
  public var iat: Int?
  public var nbf: Int?
  public var jti: String?
  public var sid: String?
  public var roles: [String]?

  public static let inactive = Introspection(active: false)

  public init(
    active: Bool, tokenType: String? = nil, scope: String? = nil, clientID: String? = nil, username: String? = nil,
    sub: String? = nil, aud: String? = nil, iss: String? = nil, exp: Int? = nil, iat: Int? = nil, nbf: Int? = nil,
    jti: String? = nil, sid: String? = nil, roles: [String]? = nil
  ) {
    self.active = active
    self.tokenType = tokenType
    self.scope = scope
    self.clientID = clientID
    self.username = username
    self.sub = sub
    self.aud = aud
    self.iss = iss
    self.exp = exp
    self.iat = iat
    self.nbf = nbf
    self.jti = jti
    self.sid = sid
    self.roles = roles
  }

  enum CodingKeys: String, CodingKey {
    case active, scope, username, sub, aud, iss, exp, iat, nbf, jti, sid, roles
    case tokenType = "token_type"
    case clientID = "client_id"
  }
}
