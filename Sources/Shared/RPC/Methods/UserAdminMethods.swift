import Foundation

/// Operators' view of accounts across services (docs/admin.md, "Users"): SUPER_ADMIN and AUDITOR
/// search and read, with personal data masked; a SUPER_ADMIN locks and unlocks. The actor is the
/// call's principal.
extension TokenRPC {
  public static let searchUsers = RPCMethod<UserSearch, UserSearchResult>(service: .token, name: "admin_users")
  public static let adminUser = RPCMethod<UserAdminRequest, AdminUserView>(service: .token, name: "admin_user")
  public static let lockUser = RPCMethod<UserAdminRequest, AdminUserView>(service: .token, name: "admin_lock_user")
  public static let unlockUser = RPCMethod<UserAdminRequest, AdminUserView>(service: .token, name: "admin_unlock_user")
  public static let signOutUser = RPCMethod<UserAdminRequest, AdminUserView>(service: .token, name: "admin_sign_out_user")
}

/// `GET /api/v1/users?q=&cursor=&limit=`: `q` is the start of a username, a whole e-mail
/// address or a user id; without it, every account, by username.
public struct UserSearch: Codable, Sendable {
  public var query: String?
  public var cursor: String?
  public var limit: Int

  public init(query: String?, cursor: String?, limit: Int) {
    self.query = query
    self.cursor = cursor
    self.limit = limit
  }
}

public struct UserAdminRequest: Codable, Sendable {
  public var userID: String
  /// Who asks from where, for the audit row of a change.
  public var client: ClientInfo?

  public init(userID: String, client: ClientInfo? = nil) {
    self.userID = userID
    self.client = client
  }

  enum CodingKeys: String, CodingKey {
    case userID = "user_id"
    case client
  }
}

public struct UserSearchResult: Codable, Sendable {
  public var users: [AdminUserSummary]
  public var nextCursor: String?

  public init(users: [AdminUserSummary], nextCursor: String?) {
    self.users = users
    self.nextCursor = nextCursor
  }

  enum CodingKeys: String, CodingKey {
    case users
    case nextCursor = "next_cursor"
  }
}

/// An account as an operator sees it: the username (what people are found by) in full, the
/// name and address masked (`K** J****`, `ji***@example.com`).
public struct AdminUserSummary: Codable, Sendable {
  public var id: String
  public var username: String
  public var maskedName: String
  public var maskedEmail: String
  public var emailVerified: Bool
  public var platformRole: String
  /// False once locked by an operator: no sign-in, every session ended.
  public var active: Bool
  public var mfaEnabled: Bool
  /// Until when wrong passwords keep it from signing in from some address, if they do now.
  public var signInLockedUntil: Date?
  public var createdAt: Date
  public var lastLoginAt: Date?

  public init(
    id: String, username: String, maskedName: String, maskedEmail: String, emailVerified: Bool, platformRole: String,
    active: Bool, mfaEnabled: Bool, signInLockedUntil: Date?, createdAt: Date, lastLoginAt: Date?
  ) {
    self.id = id
    self.username = username
    self.maskedName = maskedName
    self.maskedEmail = maskedEmail
    self.emailVerified = emailVerified
    self.platformRole = platformRole
    self.active = active
    self.mfaEnabled = mfaEnabled
    self.signInLockedUntil = signInLockedUntil
    self.createdAt = createdAt
    self.lastLoginAt = lastLoginAt
  }

  enum CodingKeys: String, CodingKey {
    case id, username, active
    case maskedName = "masked_name"
    case maskedEmail = "masked_email"
    case emailVerified = "email_verified"
    case platformRole = "platform_role"
    case mfaEnabled = "mfa_enabled"
    case signInLockedUntil = "sign_in_locked_until"
    case createdAt = "created_at"
    case lastLoginAt = "last_login_at"
  }
}

/// One account: the summary, the services it belongs to, and its open sessions' count.
public struct AdminUserView: Codable, Sendable {
  public var user: AdminUserSummary
  public var memberships: [AdminMembership]
  public var openSessions: Int

  public init(user: AdminUserSummary, memberships: [AdminMembership], openSessions: Int) {
    self.user = user
    self.memberships = memberships
    self.openSessions = openSessions
  }

  enum CodingKeys: String, CodingKey {
    case user, memberships
    case openSessions = "open_sessions"
  }
}

public struct AdminMembership: Codable, Sendable {
  public var service: String
  public var serviceName: String
  public var role: String
  public var status: String

  public init(service: String, serviceName: String, role: String, status: String) {
    self.service = service
    self.serviceName = serviceName
    self.role = role
    self.status = status
  }

  enum CodingKeys: String, CodingKey {
    case service, role, status
    case serviceName = "service_name"
  }
}

extension IdPRPC {
  /// An account's identity-verification profile as operators see it (the users pages): SUPER_ADMIN and AUDITOR.
  public static let adminProfile = RPCMethod<UserAdminRequest, AdminIdentityView>(service: .idp, name: "admin_profile")
}

/// The phone number masked (`010-****-5678`), never the CI or DI; whether PIN approval is locked now.
public struct AdminIdentityView: Codable, Sendable {
  public var hasProfile: Bool
  public var maskedPhoneNumber: String?
  public var pinLockedUntil: Date?

  public init(hasProfile: Bool, maskedPhoneNumber: String?, pinLockedUntil: Date?) {
    self.hasProfile = hasProfile
    self.maskedPhoneNumber = maskedPhoneNumber
    self.pinLockedUntil = pinLockedUntil
  }

  enum CodingKeys: String, CodingKey {
    case hasProfile = "has_profile"
    case maskedPhoneNumber = "masked_phone_number"
    case pinLockedUntil = "pin_locked_until"
  }
}
