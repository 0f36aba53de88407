import Foundation

/// token-service's admin API for services (docs/admin.md): platform admins manage
/// services; a SERVICE_ADMIN only those it owns.
extension TokenRPC {
  public static let createService = RPCMethod<ServiceAdminRequest, ServiceCreated>(service: .token, name: "create_service")
  public static let listServices = RPCMethod<ServiceAdminRequest, ServiceList>(service: .token, name: "list_services")
  public static let getService = RPCMethod<ServiceAdminRequest, ServiceView>(service: .token, name: "get_service")
  public static let updateService = RPCMethod<ServiceAdminRequest, ServiceView>(service: .token, name: "update_service")
  public static let deleteService = RPCMethod<ServiceAdminRequest, ServiceView>(service: .token, name: "delete_service")
  public static let rotateServiceSecret = RPCMethod<ServiceAdminRequest, ServiceCredentials>(
    service: .token, name: "rotate_service_secret")
  public static let serviceMembers = RPCMethod<ServiceAdminRequest, MemberList>(service: .token, name: "service_members")
  public static let addServiceMember = RPCMethod<ServiceAdminRequest, MemberView>(service: .token, name: "service_add_member")
  public static let updateServiceMember = RPCMethod<ServiceAdminRequest, MemberView>(service: .token, name: "update_service_member")
  /// Slugs whose tokens must no longer verify (deleted or not active), for the gateways.
  public static let closedServices = RPCMethod<NoRequest, ClosedServices>(service: .token, name: "closed_services")
}

/// Who is asking, from their verified access token.
public struct AdminActor: Codable, Sendable {
  public var userID: String
  public var platformRole: String
  /// When the actor's session last passed MFA (seconds since 1970): a service that requires
  /// MFA of its admins asks for one within `AdminActor.mfaFreshness`.
  public var mfaAt: Int?
  /// The service the actor's token is for, and the permissions its role there gives: a
  /// member acts on that service's admin routes with them.
  public var service: String?
  public var permissions: [String]

  /// How recent an admin's second factor must be.
  public static let mfaFreshness = 30 * 60

  public init(userID: String, platformRole: String, mfaAt: Int? = nil, service: String? = nil, permissions: [String] = []) {
    self.userID = userID
    self.platformRole = platformRole
    self.mfaAt = mfaAt
    self.service = service
    self.permissions = permissions
  }

  public init(claims: AccessTokenClaims) {
    self.init(
      userID: claims.sub, platformRole: claims.platformRole ?? PlatformRole.user.rawValue, mfaAt: claims.mfaAt,
      service: claims.aud, permissions: claims.permissions)
  }

  /// The session passed MFA within the last 30 minutes.
  public func passedMFARecently(now: Date = Date()) -> Bool {
    guard let mfaAt else { return false }
    return Int(now.timeIntervalSince1970) - mfaAt <= Self.mfaFreshness
  }

  enum CodingKeys: String, CodingKey {
    case userID = "user_id"
    case platformRole = "platform_role"
    case mfaAt = "mfa_at"
    case service, permissions
  }
}

/// One admin call: the service it is about (when any), and the body or query. Who asks is the
/// call's principal (`RPCRequestContext.adminActor()`).
public struct ServiceAdminRequest: Codable, Sendable {
  public var slug: String?
  public var settings: ServiceSettingsBody?
  public var memberID: String?
  public var member: MemberChanges?
  public var query: MemberQuery?
  public var newMember: NewMemberBody?
  public var client: ClientInfo

  public init(
    slug: String? = nil, settings: ServiceSettingsBody? = nil, memberID: String? = nil,
    member: MemberChanges? = nil, query: MemberQuery? = nil, newMember: NewMemberBody? = nil, client: ClientInfo
  ) {
    self.slug = slug
    self.settings = settings
    self.memberID = memberID
    self.member = member
    self.query = query
    self.newMember = newMember
    self.client = client
  }

  enum CodingKeys: String, CodingKey {
    case slug, settings, member, query, client
    case memberID = "member_id"
    case newMember = "new_member"
  }
}

/// `POST /api/v1/services/{slug}/users`: an existing account (`user_id`, or `email` alone) or a
/// new one (`username`, `email`, `password`, names), with its role in the service (`user` unless said).
public struct NewMemberBody: Codable, Sendable {
  public var userID: String?
  public var username: String?
  public var email: String?
  public var password: String?
  public var firstName: String?
  public var lastName: String?
  public var role: String?

  public init(
    userID: String? = nil, username: String? = nil, email: String? = nil, password: String? = nil, firstName: String? = nil,
    lastName: String? = nil, role: String? = nil
  ) {
    self.userID = userID
    self.username = username
    self.email = email
    self.password = password
    self.firstName = firstName
    self.lastName = lastName
    self.role = role
  }

  enum CodingKeys: String, CodingKey {
    case username, email, password, role
    case userID = "user_id"
    case firstName = "first_name"
    case lastName = "last_name"
  }
}

/// A service's settings: every field for `POST /api/v1/services` (slug, name and type
/// required there), the ones to change for `PATCH /api/v1/services/{slug}`.
public struct ServiceSettingsBody: Codable, Sendable {
  public var slug: String?
  public var name: String?
  public var type: String?
  public var status: String?
  public var allowedOrigins: [String]?
  public var redirectURIs: [String]?
  public var socialProviders: [String]?
  public var allowedClientTypes: [String]?
  public var accessTokenTTLSeconds: Int?
  public var refreshTokenTTLSeconds: Int?
  public var sessionIdleTimeoutSeconds: Int?
  public var sessionAbsoluteLifetimeSeconds: Int?
  public var autoCreateUser: Bool?
  public var requireEmailVerification: Bool?
  /// The service's admins must have passed MFA within 30 minutes to manage it.
  public var requireAdminMFA: Bool?
  public var ownerUserID: String?
  /// As an OpenID client (docs/oidc.md).
  public var publicClient: Bool?
  public var postLogoutRedirectURIs: [String]?
  public var logoURL: String?
  public var pairwiseSubjects: Bool?
  public var scopes: [String]?
  /// The service's scopes with their words and flags; replaces `scopes` (the names) when given.
  public var scopeCatalogue: [ServiceScope]?
  public var refreshWithoutOfflineAccess: Bool?
  /// Every sign-in of the hosted pages must have passed a second factor.
  public var requireMFA: Bool?
  /// `free`, `pro`, `studio` or `enterprise` (docs/admin.md, "Plans and quotas"); a platform admin's to set.
  public var plan: ServicePlan?

  public init() {}

  enum CodingKeys: String, CodingKey {
    case slug, name, type, status
    case allowedOrigins = "allowed_origins"
    case redirectURIs = "redirect_uris"
    case socialProviders = "social_providers"
    case allowedClientTypes = "allowed_client_types"
    case accessTokenTTLSeconds = "access_token_ttl_seconds"
    case refreshTokenTTLSeconds = "refresh_token_ttl_seconds"
    case sessionIdleTimeoutSeconds = "session_idle_timeout_seconds"
    case sessionAbsoluteLifetimeSeconds = "session_absolute_lifetime_seconds"
    case autoCreateUser = "auto_create_user"
    case requireEmailVerification = "require_email_verification"
    case requireAdminMFA = "require_admin_mfa"
    case plan
    case ownerUserID = "owner_user_id"
    case publicClient = "public_client"
    case postLogoutRedirectURIs = "post_logout_redirect_uris"
    case logoURL = "logo_url"
    case pairwiseSubjects = "pairwise_subjects"
    case scopes
    case scopeCatalogue = "scope_catalogue"
    case refreshWithoutOfflineAccess = "refresh_without_offline_access"
    case requireMFA = "require_mfa"
  }
}

public struct ServiceView: Codable, Sendable {
  public var id: String
  public var slug: String
  public var name: String
  public var type: String
  public var status: String
  public var allowedOrigins: [String]
  public var redirectURIs: [String]
  public var socialProviders: [String]
  public var allowedClientTypes: [String]
  public var accessTokenTTLSeconds: Int
  public var refreshTokenTTLSeconds: Int
  public var sessionIdleTimeoutSeconds: Int
  public var sessionAbsoluteLifetimeSeconds: Int
  public var autoCreateUser: Bool
  public var requireEmailVerification: Bool
  public var requireAdminMFA: Bool
  public var clientID: String
  public var ownerUserID: String?
  public var createdAt: Date
  public var updatedAt: Date
  public var deletedAt: Date?
  /// As an OpenID client (docs/oidc.md); `first_party` is the operator's to set.
  public var publicClient = false
  public var firstParty = false
  public var postLogoutRedirectURIs: [String] = []
  public var logoURL: String?
  public var pairwiseSubjects = false
  public var scopes: [String] = []
  public var scopeCatalogue: [ServiceScope] = []
  public var refreshWithoutOfflineAccess = false
  public var requireMFA = false
  public var plan = ServicePlan.free

  public init(
    id: String, slug: String, name: String, type: String, status: String, allowedOrigins: [String], redirectURIs: [String],
    socialProviders: [String], allowedClientTypes: [String], accessTokenTTLSeconds: Int, refreshTokenTTLSeconds: Int,
    sessionIdleTimeoutSeconds: Int, sessionAbsoluteLifetimeSeconds: Int, autoCreateUser: Bool, requireEmailVerification: Bool,
    requireAdminMFA: Bool, clientID: String, ownerUserID: String?, createdAt: Date, updatedAt: Date, deletedAt: Date?
  ) {
    self.id = id
    self.slug = slug
    self.name = name
    self.type = type
    self.status = status
    self.allowedOrigins = allowedOrigins
    self.redirectURIs = redirectURIs
    self.socialProviders = socialProviders
    self.allowedClientTypes = allowedClientTypes
    self.accessTokenTTLSeconds = accessTokenTTLSeconds
    self.refreshTokenTTLSeconds = refreshTokenTTLSeconds
    self.sessionIdleTimeoutSeconds = sessionIdleTimeoutSeconds
    self.sessionAbsoluteLifetimeSeconds = sessionAbsoluteLifetimeSeconds
    self.autoCreateUser = autoCreateUser
    self.requireEmailVerification = requireEmailVerification
    self.requireAdminMFA = requireAdminMFA
    self.clientID = clientID
    self.ownerUserID = ownerUserID
    self.createdAt = createdAt
    self.updatedAt = updatedAt
    self.deletedAt = deletedAt
  }

  enum CodingKeys: String, CodingKey {
    case id, slug, name, type, status
    case allowedOrigins = "allowed_origins"
    case redirectURIs = "redirect_uris"
    case socialProviders = "social_providers"
    case allowedClientTypes = "allowed_client_types"
    case accessTokenTTLSeconds = "access_token_ttl_seconds"
    case refreshTokenTTLSeconds = "refresh_token_ttl_seconds"
    case sessionIdleTimeoutSeconds = "session_idle_timeout_seconds"
    case sessionAbsoluteLifetimeSeconds = "session_absolute_lifetime_seconds"
    case autoCreateUser = "auto_create_user"
    case requireEmailVerification = "require_email_verification"
    case requireAdminMFA = "require_admin_mfa"
    case plan
    case clientID = "client_id"
    case ownerUserID = "owner_user_id"
    case createdAt = "created_at"
    case updatedAt = "updated_at"
    case deletedAt = "deleted_at"
    case publicClient = "public_client"
    case firstParty = "first_party"
    case postLogoutRedirectURIs = "post_logout_redirect_uris"
    case logoURL = "logo_url"
    case pairwiseSubjects = "pairwise_subjects"
    case scopes
    case scopeCatalogue = "scope_catalogue"
    case refreshWithoutOfflineAccess = "refresh_without_offline_access"
    case requireMFA = "require_mfa"
  }
}

/// A new service, with its client secret (shown this once).
public struct ServiceCreated: Codable, Sendable {
  public var service: ServiceView
  public var clientSecret: String

  public init(service: ServiceView, clientSecret: String) {
    self.service = service
    self.clientSecret = clientSecret
  }

  enum CodingKeys: String, CodingKey {
    case service
    case clientSecret = "client_secret"
  }
}

public struct ServiceList: Codable, Sendable {
  public var services: [ServiceView]
  public init(services: [ServiceView]) { self.services = services }
}

public struct ServiceCredentials: Codable, Sendable {
  public var clientID: String
  public var clientSecret: String

  public init(clientID: String, clientSecret: String) {
    self.clientID = clientID
    self.clientSecret = clientSecret
  }

  enum CodingKeys: String, CodingKey {
    case clientID = "client_id"
    case clientSecret = "client_secret"
  }
}

/// `GET /api/v1/services/{slug}/users?role=&status=&limit=&cursor=`.
public struct MemberQuery: Codable, Sendable {
  public var role: String?
  public var status: String?
  public var limit: Int
  public var cursor: String?

  public init(role: String?, status: String?, limit: Int, cursor: String?) {
    self.role = role
    self.status = status
    self.limit = limit
    self.cursor = cursor
  }
}

/// `PATCH /api/v1/services/{slug}/users/{user_id}`.
public struct MemberChanges: Codable, Sendable {
  public var role: String?
  public var status: String?
  /// Scopes of the service's catalogue granted to this member besides the default ones (replaces the list).
  public var scopes: [String]?
  /// The member's own permissions, besides their role's (replaces the list).
  public var permissions: [String]?

  public init(role: String?, status: String?, scopes: [String]? = nil, permissions: [String]? = nil) {
    self.role = role
    self.status = status
    self.scopes = scopes
    self.permissions = permissions
  }
}

public struct MemberView: Codable, Sendable {
  public var userID: String
  public var username: String
  public var email: String
  public var role: String
  public var status: String
  public var joinedAt: Date
  public var lastLoginAt: Date?
  /// Granted besides the service's default scopes, and the member's own permissions.
  public var scopes: [String] = []
  public var permissions: [String] = []

  public init(userID: String, username: String, email: String, role: String, status: String, joinedAt: Date, lastLoginAt: Date?) {
    self.userID = userID
    self.username = username
    self.email = email
    self.role = role
    self.status = status
    self.joinedAt = joinedAt
    self.lastLoginAt = lastLoginAt
  }

  enum CodingKeys: String, CodingKey {
    case userID = "user_id"
    case username, email, role, status, scopes, permissions
    case joinedAt = "joined_at"
    case lastLoginAt = "last_login_at"
  }
}

public struct MemberList: Codable, Sendable {
  public var users: [MemberView]
  public var nextCursor: String?

  public init(users: [MemberView], nextCursor: String?) {
    self.users = users
    self.nextCursor = nextCursor
  }

  enum CodingKeys: String, CodingKey {
    case users
    case nextCursor = "next_cursor"
  }
}

public struct ClosedServices: Codable, Sendable {
  public var slugs: [String]
  public init(slugs: [String]) { self.slugs = slugs }
}
