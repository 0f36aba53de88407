import Foundation

/// Invitations to a service by e-mail (docs/admin.md, "Members"): an admin with `user.create`
/// invites an address with a role; the mailed link's page (or the API) makes the person's
/// account there, its address proven by the mail.
extension TokenRPC {
  public static let invite = RPCMethod<InviteRequest, InvitationSent>(service: .token, name: "invite")
  /// What a link invites to, for its page.
  public static let invitation = RPCMethod<InvitationLookup, InvitationView>(service: .token, name: "invitation")
  public static let acceptInvitation = RPCMethod<AcceptInvitationRequest, RegisterResponse>(service: .token, name: "accept_invitation")
}

/// `POST /api/v1/services/{slug}/invitations`'s body.
public struct InviteBody: Codable, Sendable {
  public var email: String
  public var role: String?
  public init(email: String, role: String? = nil) {
    self.email = email
    self.role = role
  }
}

public struct InviteRequest: Codable, Sendable {
  public var slug: String
  public var body: InviteBody
  public var client: ClientInfo
  public init(slug: String, body: InviteBody, client: ClientInfo) {
    self.slug = slug
    self.body = body
    self.client = client
  }
}

public struct InvitationSent: Codable, Sendable {
  public var invitationID: String
  public var expiresAt: Date
  public init(invitationID: String, expiresAt: Date) {
    self.invitationID = invitationID
    self.expiresAt = expiresAt
  }
  enum CodingKeys: String, CodingKey {
    case invitationID = "invitation_id"
    case expiresAt = "expires_at"
  }
}

public struct InvitationLookup: Codable, Sendable {
  public var token: String
  public init(token: String) { self.token = token }
}

public struct InvitationView: Codable, Sendable {
  public var service: String
  public var serviceName: String
  public var email: String
  public var role: String
  public init(service: String, serviceName: String, email: String, role: String) {
    self.service = service
    self.serviceName = serviceName
    self.email = email
    self.role = role
  }
  enum CodingKeys: String, CodingKey {
    case service, email, role
    case serviceName = "service_name"
  }
}

/// `POST /api/v1/auth/invitations/accept`'s body: the link's token and the new account's name and password.
public struct AcceptInvitationBody: Codable, Sendable {
  public var token: String
  public var username: String
  public var password: String
  public var firstName: String?
  public init(token: String, username: String, password: String, firstName: String? = nil) {
    self.token = token
    self.username = username
    self.password = password
    self.firstName = firstName
  }
  enum CodingKeys: String, CodingKey {
    case token, username, password
    case firstName = "first_name"
  }
}

public struct AcceptInvitationRequest: Codable, Sendable {
  public var body: AcceptInvitationBody
  public var client: ClientInfo
  public init(body: AcceptInvitationBody, client: ClientInfo) {
    self.body = body
    self.client = client
  }
}
