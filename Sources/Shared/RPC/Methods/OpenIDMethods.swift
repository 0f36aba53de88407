import Foundation

/// Gatehouse as an OpenID Provider (docs/oidc.md): the gateway reads the browser's request and its
/// cookies and renders pages; token-service judges the request, signs the person in, keeps the
/// browser session and issues codes. Every answer is an `AuthorizationStep`: where the browser
/// goes next, or which page it is shown.
extension TokenRPC {
  /// `GET /oauth/authorize`.
  public static let authorize = RPCMethod<AuthorizeRequest, AuthorizationStep>(service: .token, name: "oidc_authorize")
  /// `POST /signin`: the sign-in page's form.
  public static let pageSignIn = RPCMethod<PageSignIn, AuthorizationStep>(service: .token, name: "oidc_sign_in")
  /// `POST /signin/second-factor`: the second-factor page's form.
  public static let pageSecondFactor = RPCMethod<PageSecondFactor, AuthorizationStep>(service: .token, name: "oidc_second_factor")
  /// `POST /signup`: the registration page's form.
  public static let pageSignUp = RPCMethod<PageSignUp, AuthorizationStep>(service: .token, name: "oidc_sign_up")
  /// `GET /signup?request=…`: the registration page of a pending request.
  public static let pageOfRequest = RPCMethod<PageRequest, AuthorizationStep>(service: .token, name: "oidc_page")
  /// A social sign-in started on the sign-in page came back: social-service found the person.
  public static let pageSocialSignIn = RPCMethod<PageSocialSignIn, AuthorizationStep>(service: .token, name: "oidc_social_sign_in")
  /// `POST /consent`: the consent page's form.
  public static let pageConsent = RPCMethod<PageConsent, AuthorizationStep>(service: .token, name: "oidc_consent")
  /// `GET|POST /oauth/userinfo`: the caller (the call's principal) as claims by scope.
  public static let userinfo = RPCMethod<NoRequest, UserInfoClaims>(service: .token, name: "oidc_userinfo")
  /// `GET|POST /oauth/logout`: RP-initiated logout.
  public static let rpLogout = RPCMethod<RPLogoutRequest, RPLogoutStep>(service: .token, name: "oidc_rp_logout")
}

/// The browser as the gateway saw it: its Gatehouse session cookie (nil without one), its
/// address and agent, and the languages it prefers (from `Accept-Language`).
public struct BrowserInfo: Codable, Sendable {
  public var session: String?
  public var client: ClientInfo
  public var languages: [String]

  public init(session: String?, client: ClientInfo, languages: [String]) {
    self.session = session
    self.client = client
    self.languages = languages
  }
}

/// `GET /oauth/authorize`: every query parameter with all its values.
public struct AuthorizeRequest: Codable, Sendable {
  public var parameters: [String: [String]]
  public var browser: BrowserInfo

  public init(parameters: [String: [String]], browser: BrowserInfo) {
    self.parameters = parameters
    self.browser = browser
  }
}

/// The sign-in form: `request` is the pending authorization's id, `identifier` a username or
/// an e-mail address.
public struct PageSignIn: Codable, Sendable {
  public var request: String
  public var identifier: String
  public var password: String
  public var browser: BrowserInfo

  public init(request: String, identifier: String, password: String, browser: BrowserInfo) {
    self.request = request
    self.identifier = identifier
    self.password = password
    self.browser = browser
  }
}

/// The registration form: a new account of the request's service, signed in at once.
public struct PageSignUp: Codable, Sendable {
  public var request: String
  public var username: String
  public var email: String
  public var password: String
  public var firstName: String?
  public var browser: BrowserInfo

  public init(request: String, username: String, email: String, password: String, firstName: String?, browser: BrowserInfo) {
    self.request = request
    self.username = username
    self.email = email
    self.password = password
    self.firstName = firstName
    self.browser = browser
  }
}

/// The person a provider vouched for, for the pending request their sign-in page started from.
public struct PageSocialSignIn: Codable, Sendable {
  public var request: String
  public var service: String
  public var userID: String
  public var provider: String
  public var browser: BrowserInfo

  public init(request: String, service: String, userID: String, provider: String, browser: BrowserInfo) {
    self.request = request
    self.service = service
    self.userID = userID
    self.provider = provider
    self.browser = browser
  }
}

/// A page of a pending request shown by a link (`sign_up`, or `sign_in` to go back).
public struct PageRequest: Codable, Sendable {
  public var request: String
  public var page: String
  public var browser: BrowserInfo

  public init(request: String, page: String, browser: BrowserInfo) {
    self.request = request
    self.page = page
    self.browser = browser
  }
}

/// The second-factor form: a code from the authenticator app or a backup code, or a passkey's answer.
public struct PageSecondFactor: Codable, Sendable {
  public var request: String
  public var code: String
  public var passkey: PasskeyAssertionBody?
  public var browser: BrowserInfo

  public init(request: String, code: String, passkey: PasskeyAssertionBody? = nil, browser: BrowserInfo) {
    self.request = request
    self.code = code
    self.passkey = passkey
    self.browser = browser
  }
}

/// The consent form: allowed or not.
public struct PageConsent: Codable, Sendable {
  public var request: String
  public var allow: Bool
  public var browser: BrowserInfo

  public init(request: String, allow: Bool, browser: BrowserInfo) {
    self.request = request
    self.allow = allow
    self.browser = browser
  }
}

/// Where an authorization goes next. Exactly one of `redirect`, `formPost`, `page` is set.
public struct AuthorizationStep: Codable, Sendable {
  /// A URL to send the browser to (the client's redirect URI with the answer in its query).
  public var redirect: String?
  /// `response_mode=form_post`: a form the browser posts to the client.
  public var formPost: FormPost?
  public var page: PageView?
  /// A browser session was just opened: the gateway sets its cookie.
  public var newSession: NewBrowserSession?

  public init(redirect: String? = nil, formPost: FormPost? = nil, page: PageView? = nil, newSession: NewBrowserSession? = nil) {
    self.redirect = redirect
    self.formPost = formPost
    self.page = page
    self.newSession = newSession
  }
}

public struct FormPost: Codable, Sendable, Equatable {
  public var action: String
  public var fields: [[String]]

  public init(action: String, fields: [[String]]) {
    self.action = action
    self.fields = fields
  }
}

public struct NewBrowserSession: Codable, Sendable {
  public var token: String
  public var maxAge: Int

  public init(token: String, maxAge: Int) {
    self.token = token
    self.maxAge = maxAge
  }
}

/// What a page shows. `name` is `sign_in`, `second_factor`, `consent` or `error`.
public struct PageView: Codable, Sendable {
  public var name: String
  /// The pending authorization the page's form continues (nil on an error page).
  public var request: String?
  public var serviceName: String?
  public var logoURL: String?
  /// The client's redirect URI's origin: where the page's forms may lead (CSP form-action).
  public var clientOrigin: String?
  public var loginHint: String?
  /// Scopes to ask consent for, and the words of the service's own among them.
  public var scopes: [String]
  public var scopeWords: [String: ScopeWords] = [:]
  /// Why the page is shown again or the error: a problem code from the catalogue and its text.
  public var problem: Problem?
  /// The languages to render in, most wanted first (`ui_locales`, then `Accept-Language`).
  public var languages: [String]
  /// The service lets people create an account (the sign-in page links the registration page).
  public var canRegister = false
  /// What the person typed, shown again with a refusal (never a password).
  public var typed: [String: String] = [:]
  /// The service's slug; its configured social providers are the sign-in page's buttons (the
  /// gateway asks social-service for them).
  public var service: String?
  public var providers: [SocialProviderView] = []
  /// What the second-factor page offers: `code` (the authenticator app, backup codes), `passkey`.
  public var secondFactors: [String] = []

  public init(
    name: String, request: String? = nil, serviceName: String? = nil, logoURL: String? = nil, clientOrigin: String? = nil,
    loginHint: String? = nil, scopes: [String] = [], problem: Problem? = nil, languages: [String] = []
  ) {
    self.name = name
    self.request = request
    self.serviceName = serviceName
    self.logoURL = logoURL
    self.clientOrigin = clientOrigin
    self.loginHint = loginHint
    self.scopes = scopes
    self.problem = problem
    self.languages = languages
  }
}

/// OIDC Core 1.0 section 5.1 claims, by the access token's scope.
public struct UserInfoClaims: Codable, Sendable {
  public var sub: String
  public var name: String?
  public var preferredUsername: String?
  public var email: String?
  public var emailVerified: Bool?

  public init(sub: String, name: String? = nil, preferredUsername: String? = nil, email: String? = nil, emailVerified: Bool? = nil) {
    self.sub = sub
    self.name = name
    self.preferredUsername = preferredUsername
    self.email = email
    self.emailVerified = emailVerified
  }

  enum CodingKeys: String, CodingKey {
    case sub, name, email
    case preferredUsername = "preferred_username"
    case emailVerified = "email_verified"
  }
}

/// RP-initiated logout 1.0: the request's parameters, and whether the person confirmed on our page.
public struct RPLogoutRequest: Codable, Sendable {
  public var idTokenHint: String?
  public var clientID: String?
  public var postLogoutRedirectURI: String?
  public var state: String?
  public var confirmed: Bool
  public var browser: BrowserInfo

  public init(
    idTokenHint: String?, clientID: String?, postLogoutRedirectURI: String?, state: String?, confirmed: Bool, browser: BrowserInfo
  ) {
    self.idTokenHint = idTokenHint
    self.clientID = clientID
    self.postLogoutRedirectURI = postLogoutRedirectURI
    self.state = state
    self.confirmed = confirmed
    self.browser = browser
  }
}

/// After a logout: where to send the browser, or a page (`signed_out`, `confirm_logout`, `error`).
public struct RPLogoutStep: Codable, Sendable {
  public var redirect: String?
  public var page: PageView?
  /// The browser session ended: the gateway expires its cookie.
  public var endedSession: Bool

  public init(redirect: String? = nil, page: PageView? = nil, endedSession: Bool) {
    self.redirect = redirect
    self.page = page
    self.endedSession = endedSession
  }
}
