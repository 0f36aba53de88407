import Foundation

extension TokenRPC {
  /// The signed-in user's own account, as seen from the service of their token (both the call's principal).
  public static let me = RPCMethod<NoRequest, Profile>(service: .token, name: "me")
}

/// `GET /api/v1/users/me`.
public struct Profile: Codable, Sendable {
  public var id: String
  public var username: String
  public var email: String
  public var firstName: String
  public var lastName: String
  public var fullName: String
  public var preferredLanguage: String
  public var marketingConsent: Bool
  public var emailVerified: Bool
  public var createdAt: Date
  public var service: ServiceSummary
  /// Whether a second factor is asked for at sign-in.
  public var mfaEnabled = false
  /// Whether the account has a password (one made by a provider's sign-in has none).
  public var hasPassword = true
  /// A new address waiting for its mailed link (docs/recovery.md); the account uses `email` until then.
  public var pendingEmail: String?

  public init(
    id: String, username: String, email: String, firstName: String, lastName: String,
    preferredLanguage: String, marketingConsent: Bool, emailVerified: Bool, createdAt: Date, service: ServiceSummary
  ) {
    self.id = id
    self.username = username
    self.email = email
    self.firstName = firstName
    self.lastName = lastName
    self.fullName = UserSummary.fullName(first: firstName, last: lastName)
    self.preferredLanguage = preferredLanguage
    self.marketingConsent = marketingConsent
    self.emailVerified = emailVerified
    self.createdAt = createdAt
    self.service = service
  }

  enum CodingKeys: String, CodingKey {
    case id, username, email, service
    case firstName = "first_name"
    case lastName = "last_name"
    case fullName = "full_name"
    case preferredLanguage = "preferred_language"
    case marketingConsent = "marketing_consent"
    case emailVerified = "email_verified"
    case pendingEmail = "pending_email"
    case createdAt = "created_at"
    case mfaEnabled = "mfa_enabled"
    case hasPassword = "has_password"
  }
}

extension TokenRPC {
  /// The user's sessions that are still open, newest first (the user and the current session
  /// are the call's principal).
  public static let sessions = RPCMethod<NoRequest, SessionList>(service: .token, name: "sessions")
  /// Ends one of the user's own sessions.
  public static let endSession = RPCMethod<EndSessionRequest, LogoutResponse>(service: .token, name: "end_session")
}

public struct SessionView: Codable, Sendable, Equatable {
  public var id: String
  public var service: String
  public var clientType: String
  public var ip: String?
  public var userAgent: String?
  public var createdAt: Date
  public var lastUsedAt: Date
  public var current: Bool

  public init(
    id: String, service: String, clientType: String, ip: String?, userAgent: String?, createdAt: Date, lastUsedAt: Date,
    current: Bool
  ) {
    self.id = id
    self.service = service
    self.clientType = clientType
    self.ip = ip
    self.userAgent = userAgent
    self.createdAt = createdAt
    self.lastUsedAt = lastUsedAt
    self.current = current
  }

  enum CodingKeys: String, CodingKey {
    case id, service, ip, current
    case clientType = "client_type"
    case userAgent = "user_agent"
    case createdAt = "created_at"
    case lastUsedAt = "last_used_at"
  }
}

public struct SessionList: Codable, Sendable {
  public var sessions: [SessionView]
  /// Signed-in browsers (single sign-on, docs/oidc.md); every app session opened through one ends with it.
  public var browserSessions: [BrowserSessionView]

  public init(sessions: [SessionView], browserSessions: [BrowserSessionView] = []) {
    self.sessions = sessions
    self.browserSessions = browserSessions
  }

  enum CodingKeys: String, CodingKey {
    case sessions
    case browserSessions = "browser_sessions"
  }
}

/// The session to end, one of the call's principal's.
public struct EndSessionRequest: Codable, Sendable {
  public var sessionID: String

  public init(sessionID: String) {
    self.sessionID = sessionID
  }

  enum CodingKeys: String, CodingKey {
    case sessionID = "session_id"
  }
}

extension TokenRPC {
  /// Changes the signed-in user's own profile fields.
  public static let updateProfile = RPCMethod<UpdateProfileRequest, Profile>(service: .token, name: "update_profile")
  /// Changes the signed-in user's password, ends their other sessions and re-issues this one's access token.
  public static let changePassword = RPCMethod<ChangePasswordRequest, PasswordChanged>(service: .token, name: "change_password")
}

/// `PATCH /api/v1/users/me`'s body: only the fields present change. `username` and `email` are
/// read so that a client trying to change them is told it cannot, instead of silently ignored.
public struct ProfileChanges: Codable, Sendable {
  public var firstName: String?
  public var lastName: String?
  public var preferredLanguage: String?
  public var marketingConsent: Bool?
  public var username: String?
  public var email: String?

  public init(firstName: String? = nil, lastName: String? = nil, preferredLanguage: String? = nil, marketingConsent: Bool? = nil) {
    self.firstName = firstName
    self.lastName = lastName
    self.preferredLanguage = preferredLanguage
    self.marketingConsent = marketingConsent
  }

  enum CodingKeys: String, CodingKey {
    case username, email
    case firstName = "first_name"
    case lastName = "last_name"
    case preferredLanguage = "preferred_language"
    case marketingConsent = "marketing_consent"
  }
}

/// The user and the service are the call's principal.
public struct UpdateProfileRequest: Codable, Sendable {
  public var changes: ProfileChanges

  public init(changes: ProfileChanges) {
    self.changes = changes
  }
}

/// `POST /api/v1/users/me/password`'s body.
public struct PasswordChangeBody: Codable, Sendable {
  public var currentPassword: String
  public var newPassword: String

  public init(currentPassword: String, newPassword: String) {
    self.currentPassword = currentPassword
    self.newPassword = newPassword
  }

  enum CodingKeys: String, CodingKey {
    case currentPassword = "current_password"
    case newPassword = "new_password"
  }
}

/// The user, the session that stays open and its service are the call's principal.
public struct ChangePasswordRequest: Codable, Sendable {
  public var body: PasswordChangeBody
  public var client: ClientInfo

  public init(body: PasswordChangeBody, client: ClientInfo) {
    self.body = body
    self.client = client
  }
}

/// The answer to a password change: every other session has ended and every access token issued
/// before stops verifying, this one's included, so a fresh access token for the current session
/// comes back. The current session's refresh token keeps working.
public struct PasswordChanged: Codable, Sendable {
  public var sessionsEnded: Int
  public var accessToken: String
  public var tokenType = "Bearer"
  public var expiresIn: Int

  public init(sessionsEnded: Int, accessToken: String, expiresIn: Int) {
    self.sessionsEnded = sessionsEnded
    self.accessToken = accessToken
    self.expiresIn = expiresIn
  }

  enum CodingKeys: String, CodingKey {
    case sessionsEnded = "sessions_ended"
    case accessToken = "access_token"
    case tokenType = "token_type"
    case expiresIn = "expires_in"
  }
}
