import Foundation

extension TokenRPC {
    /// The signed-in user's own account, as seen from the service of their token.
    public static let me = RPCMethod<MeRequest, Profile>(service: .token, name: "me")
}

public struct MeRequest: Codable, Sendable {
    public var userID: String
    public var service: String

    public init(userID: String, service: String) {
        self.userID = userID
        self.service = service
    }

    enum CodingKeys: String, CodingKey {
        case userID = "user_id"
        case service
    }
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

    public init(id: String, username: String, email: String, firstName: String, lastName: String,
                preferredLanguage: String, marketingConsent: Bool, emailVerified: Bool, createdAt: Date, service: ServiceSummary) {
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
        case createdAt = "created_at"
    }
}
