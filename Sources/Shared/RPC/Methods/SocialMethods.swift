import Foundation

/// social-service's RPC methods (docs/social.md): the provider list, the authorize and callback legs of
/// a social sign-in, the login-code exchange, and a user's linked accounts.
public enum SocialRPC {
  public static let providers = RPCMethod<SocialProvidersRequest, SocialProviderList>(service: .social, name: "providers")
  public static let authorize = RPCMethod<SocialAuthorizeRequest, SocialRedirect>(service: .social, name: "authorize")
  public static let callback = RPCMethod<SocialCallbackRequest, SocialRedirect>(service: .social, name: "callback")
  public static let exchange = RPCMethod<SocialExchangeRequest, TokenGrant>(service: .social, name: "exchange")
  // The signed-in user's own links: the user is the call's principal.
  public static let linkedAccounts = RPCMethod<NoRequest, LinkedAccountList>(service: .social, name: "linked_accounts")
  public static let unlink = RPCMethod<SocialUnlinkRequest, LinkedAccountList>(service: .social, name: "unlink")
  public static let completeLink = RPCMethod<SocialLinkCompletion, LinkedAccountList>(service: .social, name: "complete_link")
}

/// `POST /api/v1/users/me/social-accounts/{provider}/complete {link_code}`: the signed-in user
/// (the call's principal) who started a link flow finishes it with the code its callback gave
/// the client.
public struct SocialLinkCompletion: Codable, Sendable {
  public var provider: String
  public var code: String

  public init(provider: String, code: String) {
    self.provider = provider
    self.code = code
  }
}

/// `DELETE /api/v1/users/me/social-accounts/{provider}`: the signed-in user is the call's principal.
public struct SocialUnlinkRequest: Codable, Sendable {
  public var provider: String

  public init(provider: String) { self.provider = provider }
}

/// token-service's side of social sign-in: what social-service asks of it.
extension TokenRPC {
  /// A service's social settings (enabled providers, redirect URIs, whether it is open).
  public static let socialServiceSettings = RPCMethod<SocialServiceQuery, SocialServiceSettings>(
    service: .token, name: "social_service_settings")
  /// Finds the user a verified e-mail belongs to, or creates one without a password.
  public static let socialUser = RPCMethod<SocialUserQuery, SocialUserAnswer>(service: .token, name: "social_user")
  /// Opens a session for a user who signed in with a provider (or answers `mfa_required`).
  public static let socialSession = RPCMethod<SocialSessionRequest, TokenGrant>(service: .token, name: "social_session")
  /// Whether an account has a password (unlinking its last provider is refused without one).
  public static let loginMethods = RPCMethod<SocialUserRequest, LoginMethods>(service: .token, name: "login_methods")
}

public struct SocialProvidersRequest: Codable, Sendable {
  public var service: String
  public init(service: String) { self.service = service }
}

public struct SocialProviderList: Codable, Sendable {
  public var providers: [SocialProviderView]
  public init(providers: [SocialProviderView]) { self.providers = providers }
}

public struct SocialProviderView: Codable, Sendable {
  public var name: String
  public var displayName: String
  public var kind: String

  public init(name: String, displayName: String, kind: String) {
    self.name = name
    self.displayName = displayName
    self.kind = kind
  }

  enum CodingKeys: String, CodingKey {
    case name, kind
    case displayName = "display_name"
  }
}

/// `GET /api/v1/social/{provider}/authorize`, or a link flow started by a signed-in user.
public struct SocialAuthorizeRequest: Codable, Sendable {
  public var provider: String
  public var service: String
  public var redirectURI: String
  public var state: String?
  public var codeChallenge: String?
  public var codeChallengeMethod: String?
  /// Set for `POST /api/v1/users/me/social-accounts/{provider}`: the callback links the provider
  /// account to the signed-in user (the call's principal) instead of signing in.
  public var link: Bool
  /// Set for a button of the hosted sign-in page (docs/oidc.md): the pending authorization the
  /// sign-in continues. The callback then signs the browser in there instead of giving a login code.
  public var authorization: String?

  public init(
    provider: String, service: String, redirectURI: String, state: String?, codeChallenge: String?,
    codeChallengeMethod: String?, link: Bool = false, authorization: String? = nil
  ) {
    self.authorization = authorization
    self.provider = provider
    self.service = service
    self.redirectURI = redirectURI
    self.state = state
    self.codeChallenge = codeChallenge
    self.codeChallengeMethod = codeChallengeMethod
    self.link = link
  }

  enum CodingKeys: String, CodingKey {
    case provider, service, state
    case redirectURI = "redirect_uri"
    case codeChallenge = "code_challenge"
    case codeChallengeMethod = "code_challenge_method"
    case link, authorization
  }
}

/// Where the browser goes next: a URL, or (a sign-in of the hosted pages) the authorization's next step.
public struct SocialRedirect: Codable, Sendable {
  public var location: String
  public var step: AuthorizationStep?

  public init(location: String, step: AuthorizationStep? = nil) {
    self.location = location
    self.step = step
  }
}

/// The provider's answer at `GET|POST /api/v1/social/{provider}/callback`: query and form fields together.
public struct SocialCallbackRequest: Codable, Sendable {
  public var provider: String
  public var parameters: [String: String]
  public var client: ClientInfo
  /// The browser's Gatehouse cookies and languages, for a sign-in of the hosted pages.
  public var browser: BrowserInfo?

  public init(provider: String, parameters: [String: String], client: ClientInfo, browser: BrowserInfo? = nil) {
    self.provider = provider
    self.parameters = parameters
    self.client = client
    self.browser = browser
  }
}

/// `POST /api/v1/social/token` {code, redirect_uri, code_verifier, client_type?}, or `/oauth/token`
/// with `grant_type=authorization_code` (then `clientID` names the service's OAuth client).
public struct SocialExchangeBody: Codable, Sendable {
  public var code: String
  public var redirectURI: String
  public var codeVerifier: String
  public var clientType: ClientType?

  public init(code: String, redirectURI: String, codeVerifier: String, clientType: ClientType? = nil) {
    self.code = code
    self.redirectURI = redirectURI
    self.codeVerifier = codeVerifier
    self.clientType = clientType
  }

  enum CodingKeys: String, CodingKey {
    case code
    case redirectURI = "redirect_uri"
    case codeVerifier = "code_verifier"
    case clientType = "client_type"
  }
}

public struct SocialExchangeRequest: Codable, Sendable {
  public var body: SocialExchangeBody
  public var clientID: String?
  public var client: ClientInfo

  public init(body: SocialExchangeBody, clientID: String? = nil, client: ClientInfo) {
    self.body = body
    self.clientID = clientID
    self.client = client
  }

  enum CodingKeys: String, CodingKey {
    case body, client
    case clientID = "client_id"
  }
}

public struct SocialUserRequest: Codable, Sendable {
  public var userID: String
  public var provider: String?

  public init(userID: String, provider: String? = nil) {
    self.userID = userID
    self.provider = provider
  }

  enum CodingKeys: String, CodingKey {
    case userID = "user_id"
    case provider
  }
}

public struct LinkedAccountList: Codable, Sendable {
  public var accounts: [LinkedAccountView]
  public init(accounts: [LinkedAccountView]) { self.accounts = accounts }
}

public struct LinkedAccountView: Codable, Sendable {
  public var provider: String
  public var providerUserID: String
  public var email: String?
  public var emailVerified: Bool
  public var displayName: String?
  public var avatarURL: String?
  public var linkedAt: Date
  public var lastLoginAt: Date?

  public init(
    provider: String, providerUserID: String, email: String?, emailVerified: Bool, displayName: String?, avatarURL: String?,
    linkedAt: Date, lastLoginAt: Date?
  ) {
    self.provider = provider
    self.providerUserID = providerUserID
    self.email = email
    self.emailVerified = emailVerified
    self.displayName = displayName
    self.avatarURL = avatarURL
    self.linkedAt = linkedAt
    self.lastLoginAt = lastLoginAt
  }

  enum CodingKeys: String, CodingKey {
    case provider, email
    case providerUserID = "provider_user_id"
    case emailVerified = "email_verified"
    case displayName = "display_name"
    case avatarURL = "avatar_url"
    case linkedAt = "linked_at"
    case lastLoginAt = "last_login_at"
  }
}

public struct SocialServiceQuery: Codable, Sendable {
  public var service: String
  public init(service: String) { self.service = service }
}

public struct SocialServiceSettings: Codable, Sendable {
  public var slug: String
  public var clientID: String
  /// Active and not deleted: users may sign in now.
  public var open: Bool
  public var socialProviders: [String]
  public var redirectURIs: [String]
  public var autoCreateUser: Bool

  public init(slug: String, clientID: String, open: Bool, socialProviders: [String], redirectURIs: [String], autoCreateUser: Bool) {
    self.slug = slug
    self.clientID = clientID
    self.open = open
    self.socialProviders = socialProviders
    self.redirectURIs = redirectURIs
    self.autoCreateUser = autoCreateUser
  }

  enum CodingKeys: String, CodingKey {
    case slug, open
    case clientID = "client_id"
    case socialProviders = "social_providers"
    case redirectURIs = "redirect_uris"
    case autoCreateUser = "auto_create_user"
  }
}

/// The normalised profile a provider gave, as far as token-service needs it.
public struct SocialUserQuery: Codable, Sendable {
  public var service: String
  public var provider: String
  public var email: String?
  public var emailVerified: Bool
  public var firstName: String?
  public var lastName: String?
  public var username: String?

  public init(
    service: String, provider: String, email: String?, emailVerified: Bool, firstName: String?, lastName: String?,
    username: String?
  ) {
    self.service = service
    self.provider = provider
    self.email = email
    self.emailVerified = emailVerified
    self.firstName = firstName
    self.lastName = lastName
    self.username = username
  }

  enum CodingKeys: String, CodingKey {
    case service, provider, email, username
    case emailVerified = "email_verified"
    case firstName = "first_name"
    case lastName = "last_name"
  }
}

public struct SocialUserAnswer: Codable, Sendable {
  public var userID: String
  /// A new account was made (no password).
  public var created: Bool

  public init(userID: String, created: Bool) {
    self.userID = userID
    self.created = created
  }

  enum CodingKeys: String, CodingKey {
    case userID = "user_id"
    case created
  }
}

public struct SocialSessionRequest: Codable, Sendable {
  public var userID: String
  public var service: String
  public var provider: String
  public var clientType: ClientType
  public var client: ClientInfo

  public init(userID: String, service: String, provider: String, clientType: ClientType, client: ClientInfo) {
    self.userID = userID
    self.service = service
    self.provider = provider
    self.clientType = clientType
    self.client = client
  }

  enum CodingKeys: String, CodingKey {
    case service, provider, client
    case userID = "user_id"
    case clientType = "client_type"
  }
}

public struct LoginMethods: Codable, Sendable {
  public var hasPassword: Bool
  public init(hasPassword: Bool) { self.hasPassword = hasPassword }

  enum CodingKeys: String, CodingKey {
    case hasPassword = "has_password"
  }
}
