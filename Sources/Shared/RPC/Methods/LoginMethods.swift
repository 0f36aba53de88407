import Foundation

extension TokenRPC {
  public static let login = RPCMethod<LoginRequest, TokenGrant>(service: .token, name: "login")
}

public enum ClientType: String, Codable, Sendable, CaseIterable {
  case web, mobile, native
}

/// `POST /api/v1/auth/login`'s body: `username` or `email`, not both.
public struct LoginBody: Codable, Sendable {
  public var service: String
  public var username: String?
  public var email: String?
  public var password: String
  public var rememberMe: Bool?
  public var clientType: ClientType

  public init(service: String, username: String?, email: String?, password: String, rememberMe: Bool?, clientType: ClientType) {
    self.service = service
    self.username = username
    self.email = email
    self.password = password
    self.rememberMe = rememberMe
    self.clientType = clientType
  }

  enum CodingKeys: String, CodingKey {
    case service, username, email, password
    case rememberMe = "remember_me"
    case clientType = "client_type"
  }
}

public struct LoginRequest: Codable, Sendable {
  public var body: LoginBody
  public var client: ClientInfo

  public init(body: LoginBody, client: ClientInfo) {
    self.body = body
    self.client = client
  }
}

/// What a sign-in yields. The gateway shapes it per client type: a web client gets the refresh
/// token as a cookie only, the others in the body.
public struct TokenGrant: Codable, Sendable {
  public var accessToken: String
  public var expiresIn: Int
  public var refreshToken: String
  public var refreshExpiresIn: Int
  public var clientType: ClientType
  public var user: UserSummary
  public var service: ServiceSummary

  public init(
    accessToken: String, expiresIn: Int, refreshToken: String, refreshExpiresIn: Int,
    clientType: ClientType, user: UserSummary, service: ServiceSummary
  ) {
    self.accessToken = accessToken
    self.expiresIn = expiresIn
    self.refreshToken = refreshToken
    self.refreshExpiresIn = refreshExpiresIn
    self.clientType = clientType
    self.user = user
    self.service = service
  }

  enum CodingKeys: String, CodingKey {
    case accessToken = "access_token"
    case expiresIn = "expires_in"
    case refreshToken = "refresh_token"
    case refreshExpiresIn = "refresh_expires_in"
    case clientType = "client_type"
    case user, service
  }
}

/// The claims of a Gatehouse access token (RFC 9068), shared by the signer and the verifiers.
public struct AccessTokenClaims: Codable, Sendable, Equatable {
  public var iss: String
  public var sub: String
  public var aud: String
  public var exp: Int
  public var iat: Int
  public var nbf: Int
  public var jti: String
  /// The session; absent on a client's own token (`client_credentials`), which has no user.
  public var sid: String?
  public var clientID: String
  public var scope: String
  public var roles: [String]
  /// What `roles` allow in the service of `aud` (the role table in docs/admin.md).
  public var permissions: [String]
  /// The user's platform role when it is more than USER (admin routes read it).
  public var platformRole: String?
  public var tv: Int
  /// RFC 8176 methods the session's sign-in used: `pwd`, plus `otp` and `mfa` once it passed TOTP.
  public var amr: [String]?
  /// When the session last passed the second factor (seconds since 1970).
  public var mfaAt: Int?
  /// Present (true) when the user has MFA on: admin routes then ask for a recent `mfa_at`.
  public var mfaEnabled: Bool?
  /// The service's plan (docs/admin.md, "Plans and quotas").
  public var plan: String?

  public init(
    iss: String, sub: String, aud: String, exp: Int, iat: Int, nbf: Int, jti: String, sid: String?,
    clientID: String, scope: String, roles: [String], permissions: [String] = [], platformRole: String? = nil, tv: Int
  ) {
    self.iss = iss
    self.sub = sub
    self.aud = aud
    self.exp = exp
    self.iat = iat
    self.nbf = nbf
    self.jti = jti
    self.sid = sid
    self.clientID = clientID
    self.scope = scope
    self.roles = roles
    self.permissions = permissions
    self.platformRole = platformRole
    self.tv = tv
  }

  enum CodingKeys: String, CodingKey {
    case iss, sub, aud, exp, iat, nbf, jti, sid, scope, roles, permissions, tv, amr, plan
    case clientID = "client_id"
    case platformRole = "platform_role"
    case mfaAt = "mfa_at"
    case mfaEnabled = "mfa_enabled"
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    iss = try c.decode(String.self, forKey: .iss)
    sub = try c.decode(String.self, forKey: .sub)
    aud = try c.decode(String.self, forKey: .aud)
    exp = try c.decode(Int.self, forKey: .exp)
    iat = try c.decode(Int.self, forKey: .iat)
    nbf = try c.decode(Int.self, forKey: .nbf)
    jti = try c.decode(String.self, forKey: .jti)
    sid = try c.decodeIfPresent(String.self, forKey: .sid)
    clientID = try c.decode(String.self, forKey: .clientID)
    scope = try c.decode(String.self, forKey: .scope)
    roles = try c.decode([String].self, forKey: .roles)
    permissions = try c.decodeIfPresent([String].self, forKey: .permissions) ?? []
    platformRole = try c.decodeIfPresent(String.self, forKey: .platformRole)
    tv = try c.decode(Int.self, forKey: .tv)
    amr = try c.decodeIfPresent([String].self, forKey: .amr)
    mfaAt = try c.decodeIfPresent(Int.self, forKey: .mfaAt)
    mfaEnabled = try c.decodeIfPresent(Bool.self, forKey: .mfaEnabled)
    plan = try c.decodeIfPresent(String.self, forKey: .plan)
  }
}
