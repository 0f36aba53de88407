/// The verified caller of an RPC. Only the gateway sets it, after verifying an access token or
/// client credentials; services trust it because only Gatehouse processes can reach Redis.
public struct Principal: Codable, Sendable, Equatable {
    public var userID: String?
    public var serviceSlug: String?
    public var sessionID: String?
    public var clientID: String?
    public var roles: [String]
    public var scopes: [String]

    public init(userID: String? = nil, serviceSlug: String? = nil, sessionID: String? = nil, clientID: String? = nil, roles: [String] = [], scopes: [String] = []) {
        self.userID = userID
        self.serviceSlug = serviceSlug
        self.sessionID = sessionID
        self.clientID = clientID
        self.roles = roles
        self.scopes = scopes
    }

    enum CodingKeys: String, CodingKey {
        case userID = "user_id"
        case serviceSlug = "service"
        case sessionID = "session_id"
        case clientID = "client_id"
        case roles, scopes
    }
}
