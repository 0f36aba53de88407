import Foundation

/// token-service's account methods and the public shapes they share with the gateway's API.
extension TokenRPC {
  public static let register = RPCMethod<RegisterRequest, RegisterResponse>(service: .token, name: "register")
}

/// Who is on the other end of an HTTP request, as the gateway saw it. Never taken from a body.
public struct ClientInfo: Codable, Sendable, Equatable {
  public var ip: String?
  public var userAgent: String?

  public init(ip: String?, userAgent: String?) {
    self.ip = ip
    self.userAgent = userAgent
  }

  enum CodingKeys: String, CodingKey {
    case ip
    case userAgent = "user_agent"
  }
}

/// `POST /api/v1/auth/register`'s body.
public struct RegisterBody: Codable, Sendable {
  public var service: String
  public var username: String
  public var email: String
  public var password: String
  public var firstName: String?
  public var lastName: String?
  public var preferredLanguage: String?
  public var marketingConsent: Bool?

  public init(
    service: String, username: String, email: String, password: String, firstName: String? = nil,
    lastName: String? = nil, preferredLanguage: String? = nil, marketingConsent: Bool? = nil
  ) {
    self.service = service
    self.username = username
    self.email = email
    self.password = password
    self.firstName = firstName
    self.lastName = lastName
    self.preferredLanguage = preferredLanguage
    self.marketingConsent = marketingConsent
  }

  enum CodingKeys: String, CodingKey {
    case service, username, email, password
    case firstName = "first_name"
    case lastName = "last_name"
    case preferredLanguage = "preferred_language"
    case marketingConsent = "marketing_consent"
  }
}

public struct RegisterRequest: Codable, Sendable {
  public var body: RegisterBody
  public var client: ClientInfo

  public init(body: RegisterBody, client: ClientInfo) {
    self.body = body
    self.client = client
  }
}

/// Ids travel as lowercase UUID strings (RFC 9562's canonical form), as in token claims.
public struct UserSummary: Codable, Sendable, Equatable {
  public var id: String
  public var username: String
  public var email: String
  public var fullName: String

  public init(id: UUID, username: String, email: String, fullName: String) {
    self.id = id.uuidString.lowercased()
    self.username = username
    self.email = email
    self.fullName = fullName
  }

  /// "First Last", or whichever of them exists.
  public static func fullName(first: String, last: String) -> String {
    [first, last].filter { !$0.isEmpty }.joined(separator: " ")
  }

  enum CodingKeys: String, CodingKey {
    case id, username, email
    case fullName = "full_name"
  }
}

public struct ServiceSummary: Codable, Sendable, Equatable {
  public var id: String
  public var slug: String
  public var name: String
  public var role: String?

  public init(id: UUID, slug: String, name: String, role: String?) {
    self.id = id.uuidString.lowercased()
    self.slug = slug
    self.name = name
    self.role = role
  }
}

public struct RegisterResponse: Codable, Sendable {
  public var user: UserSummary
  public var service: ServiceSummary

  public init(user: UserSummary, service: ServiceSummary) {
    self.user = user
    self.service = service
  }
}
