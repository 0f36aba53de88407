import Foundation

/// idp-service's methods: identity verification (docs/idp.md). Field names are the
/// verification API's: `user_phone_number`, `transaction_id`, `pin_code`, `auth_code`.
public enum IdPRPC {
    // Service providers, authenticated by their client credentials.
    public static let createRequest = RPCMethod<VerificationRequest, VerificationStatus>(service: .idp, name: "create_request")
    public static let requestStatus = RPCMethod<SPTransactionRequest, VerificationStatus>(service: .idp, name: "request_status")
    public static let result = RPCMethod<SPResultRequest, VerificationResult>(service: .idp, name: "result")
    // The person, by their access token.
    public static let putProfile = RPCMethod<PutIdentityProfile, IdentityProfileView>(service: .idp, name: "put_profile")
    public static let changePin = RPCMethod<ChangePin, IdentityProfileView>(service: .idp, name: "change_pin")
    public static let verifyPhone = RPCMethod<VerifyPhone, IdentityProfileView>(service: .idp, name: "verify_phone")
    /// The caller's pending requests: the user is the call's principal.
    public static let inbox = RPCMethod<NoRequest, Inbox>(service: .idp, name: "inbox")
    public static let confirm = RPCMethod<UserDecision, DecisionResult>(service: .idp, name: "confirm")
    public static let reject = RPCMethod<UserDecision, DecisionResult>(service: .idp, name: "reject")
}

public enum VerificationStatusName: String, Codable, Sendable {
    case pending = "PENDING", completed = "COMPLETED", failed = "FAILED", expired = "EXPIRED"
}

/// `POST /api/v1/idp/requests`.
public struct VerificationRequestBody: Codable, Sendable {
    public var userPhoneNumber: String
    public var purpose: String?

    public init(userPhoneNumber: String, purpose: String? = nil) {
        self.userPhoneNumber = userPhoneNumber
        self.purpose = purpose
    }

    enum CodingKeys: String, CodingKey {
        case userPhoneNumber = "user_phone_number"
        case purpose
    }
}

public struct VerificationRequest: Codable, Sendable {
    public var credentials: ClientCredentials
    public var body: VerificationRequestBody

    public init(credentials: ClientCredentials, body: VerificationRequestBody) {
        self.credentials = credentials
        self.body = body
    }
}

public struct SPTransactionRequest: Codable, Sendable {
    public var credentials: ClientCredentials
    public var transactionID: String

    public init(credentials: ClientCredentials, transactionID: String) {
        self.credentials = credentials
        self.transactionID = transactionID
    }

    enum CodingKeys: String, CodingKey {
        case credentials
        case transactionID = "transaction_id"
    }
}

/// A transaction as its SP sees it.
public struct VerificationStatus: Codable, Sendable, Equatable {
    public var transactionID: String
    public var status: VerificationStatusName
    public var createdAt: Date
    public var expiresAt: Date
    public var completedAt: Date?

    public init(transactionID: String, status: VerificationStatusName, createdAt: Date, expiresAt: Date, completedAt: Date?) {
        self.transactionID = transactionID
        self.status = status
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.completedAt = completedAt
    }

    enum CodingKeys: String, CodingKey {
        case transactionID = "transaction_id"
        case status
        case createdAt = "created_at"
        case expiresAt = "expires_at"
        case completedAt = "completed_at"
    }
}

/// `POST /api/v1/idp/requests/{id}/result`'s body.
public struct AuthCodeBody: Codable, Sendable {
    public var authCode: String
    public init(authCode: String) { self.authCode = authCode }
    enum CodingKeys: String, CodingKey { case authCode = "auth_code" }
}

public struct SPResultRequest: Codable, Sendable {
    public var credentials: ClientCredentials
    public var transactionID: String
    public var authCode: String

    public init(credentials: ClientCredentials, transactionID: String, authCode: String) {
        self.credentials = credentials
        self.transactionID = transactionID
        self.authCode = authCode
    }

    enum CodingKeys: String, CodingKey {
        case credentials
        case transactionID = "transaction_id"
        case authCode = "auth_code"
    }
}

/// The result of a completed transaction: a compact JWE only the SP can open.
public struct VerificationResult: Codable, Sendable {
    public var transactionID: String
    public var status: VerificationStatusName
    public var result: String

    public init(transactionID: String, status: VerificationStatusName, result: String) {
        self.transactionID = transactionID
        self.status = status
        self.result = result
    }

    enum CodingKeys: String, CodingKey {
        case transactionID = "transaction_id"
        case status, result
    }
}

/// `PUT /api/v1/idp/profile`: the phone number, and the PIN when the profile is new.
public struct IdentityProfileBody: Codable, Sendable {
    public var userPhoneNumber: String
    public var pinCode: String?

    public init(userPhoneNumber: String, pinCode: String?) {
        self.userPhoneNumber = userPhoneNumber
        self.pinCode = pinCode
    }

    enum CodingKeys: String, CodingKey {
        case userPhoneNumber = "user_phone_number"
        case pinCode = "pin_code"
    }
}

public struct PutIdentityProfile: Codable, Sendable {
    public var body: IdentityProfileBody
    public var client: ClientInfo

    public init(body: IdentityProfileBody, client: ClientInfo) {
        self.body = body
        self.client = client
    }
}

/// `PUT /api/v1/idp/profile/pin`.
public struct PinChangeBody: Codable, Sendable {
    public var currentPinCode: String
    public var pinCode: String

    public init(currentPinCode: String, pinCode: String) {
        self.currentPinCode = currentPinCode
        self.pinCode = pinCode
    }

    enum CodingKeys: String, CodingKey {
        case currentPinCode = "current_pin_code"
        case pinCode = "pin_code"
    }
}

public struct ChangePin: Codable, Sendable {
    public var body: PinChangeBody
    public var client: ClientInfo

    public init(body: PinChangeBody, client: ClientInfo) {
        self.body = body
        self.client = client
    }
}

/// The person's own profile: their proven phone number unmasked (it is theirs; none until one is
/// proven), the number waiting for its code if any, never the CI.
public struct IdentityProfileView: Codable, Sendable {
    public var userPhoneNumber: String?
    public var phoneVerification: PhoneVerificationPending?
    public var createdAt: Date
    public var updatedAt: Date

    public init(userPhoneNumber: String?, phoneVerification: PhoneVerificationPending? = nil, createdAt: Date, updatedAt: Date) {
        self.userPhoneNumber = userPhoneNumber
        self.phoneVerification = phoneVerification
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case userPhoneNumber = "user_phone_number"
        case phoneVerification = "phone_verification"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

/// A pending request in the person's app: who asks, why, until when.
public struct InboxItem: Codable, Sendable, Equatable {
    public var transactionID: String
    public var serviceProvider: String
    public var purpose: String
    public var createdAt: Date
    public var expiresAt: Date

    public init(transactionID: String, serviceProvider: String, purpose: String, createdAt: Date, expiresAt: Date) {
        self.transactionID = transactionID
        self.serviceProvider = serviceProvider
        self.purpose = purpose
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }

    enum CodingKeys: String, CodingKey {
        case transactionID = "transaction_id"
        case serviceProvider = "service_provider"
        case purpose
        case createdAt = "created_at"
        case expiresAt = "expires_at"
    }
}

public struct Inbox: Codable, Sendable {
    public var requests: [InboxItem]
    public init(requests: [InboxItem]) { self.requests = requests }
}

/// `POST /api/v1/idp/requests/{id}/confirm` ({pin_code}) and `.../reject` (no body).
public struct PinBody: Codable, Sendable {
    public var pinCode: String
    public init(pinCode: String) { self.pinCode = pinCode }
    enum CodingKeys: String, CodingKey { case pinCode = "pin_code" }
}

public struct UserDecision: Codable, Sendable {
    public var transactionID: String
    public var pinCode: String?
    public var client: ClientInfo

    public init(transactionID: String, pinCode: String?, client: ClientInfo) {
        self.transactionID = transactionID
        self.pinCode = pinCode
        self.client = client
    }

    enum CodingKeys: String, CodingKey {
        case transactionID = "transaction_id"
        case pinCode = "pin_code"
        case client
    }
}

public struct DecisionResult: Codable, Sendable {
    public var transactionID: String
    public var status: VerificationStatusName

    public init(transactionID: String, status: VerificationStatusName) {
        self.transactionID = transactionID
        self.status = status
    }

    enum CodingKeys: String, CodingKey {
        case transactionID = "transaction_id"
        case status
    }
}

extension Topics {
    /// A verification transaction changed status: long-polling SPs wake up.
    public static let idp = EventTopic<TransactionChanged>("gh:ev:idp")

    /// A new request for the person's app (`GET /api/v1/idp/inbox/stream`).
    public static func notify(user: String) -> EventTopic<InboxItem> { EventTopic("gh:ev:notify:\(user)") }
}

public struct TransactionChanged: Codable, Sendable, Equatable {
    public var transactionID: String
    public var status: VerificationStatusName

    public init(transactionID: String, status: VerificationStatusName) {
        self.transactionID = transactionID
        self.status = status
    }

    enum CodingKeys: String, CodingKey {
        case transactionID = "transaction_id"
        case status
    }
}

extension IdPRPC {
    public static let history = RPCMethod<HistoryRequest, History>(service: .idp, name: "history")
    public static let stats = RPCMethod<StatsRequest, Statistics>(service: .idp, name: "stats")
    /// The same numbers for an SP's owner (SERVICE_ADMIN) or a SUPER_ADMIN: `client_id` and `days`.
    public static let adminStats = RPCMethod<SPAdminRequest, Statistics>(service: .idp, name: "admin_stats")
}

/// `GET /api/v1/idp/history?limit=&cursor=`: the person's own requests, newest first (the
/// person is the call's principal).
public struct HistoryRequest: Codable, Sendable {
    public var limit: Int
    /// A page's `next_cursor`, opaque to clients.
    public var cursor: String?

    public init(limit: Int, cursor: String?) {
        self.limit = limit
        self.cursor = cursor
    }
}

public struct HistoryItem: Codable, Sendable {
    public var transactionID: String
    public var serviceProvider: String
    public var purpose: String
    public var status: VerificationStatusName
    public var createdAt: Date
    public var completedAt: Date?

    public init(transactionID: String, serviceProvider: String, purpose: String, status: VerificationStatusName, createdAt: Date,
                completedAt: Date?) {
        self.transactionID = transactionID
        self.serviceProvider = serviceProvider
        self.purpose = purpose
        self.status = status
        self.createdAt = createdAt
        self.completedAt = completedAt
    }

    enum CodingKeys: String, CodingKey {
        case transactionID = "transaction_id"
        case serviceProvider = "service_provider"
        case purpose, status
        case createdAt = "created_at"
        case completedAt = "completed_at"
    }
}

/// A page of history; `next_cursor` continues it (absent on the last page).
public struct History: Codable, Sendable {
    public var requests: [HistoryItem]
    public var nextCursor: String?

    public init(requests: [HistoryItem], nextCursor: String?) {
        self.requests = requests
        self.nextCursor = nextCursor
    }

    enum CodingKeys: String, CodingKey {
        case requests
        case nextCursor = "next_cursor"
    }
}

/// `GET /api/v1/idp/stats?days=`: an SP's own numbers per day (docs/idp.md, "History and statistics").
public struct StatsRequest: Codable, Sendable {
    public var credentials: ClientCredentials
    public var days: Int

    public init(credentials: ClientCredentials, days: Int) {
        self.credentials = credentials
        self.days = days
    }
}

public struct DailyStatistics: Codable, Sendable {
    public var date: String
    public var total: Int
    public var completed: Int
    public var failed: Int
    public var expired: Int
    public var pending: Int
    /// Completed of decided, 0…1; nil when nothing was decided.
    public var successRate: Double?
    public var averageSecondsToDecision: Double?

    public init(date: String, total: Int, completed: Int, failed: Int, expired: Int, pending: Int,
                successRate: Double?, averageSecondsToDecision: Double?) {
        self.date = date
        self.total = total
        self.completed = completed
        self.failed = failed
        self.expired = expired
        self.pending = pending
        self.successRate = successRate
        self.averageSecondsToDecision = averageSecondsToDecision
    }

    enum CodingKeys: String, CodingKey {
        case date, total, completed, failed, expired, pending
        case successRate = "success_rate"
        case averageSecondsToDecision = "average_seconds_to_decision"
    }
}

public struct Statistics: Codable, Sendable {
    public var serviceProvider: String
    public var days: [DailyStatistics]

    public init(serviceProvider: String, days: [DailyStatistics]) {
        self.serviceProvider = serviceProvider
        self.days = days
    }

    enum CodingKeys: String, CodingKey {
        case serviceProvider = "service_provider"
        case days
    }
}

/// The SP admin API (docs/idp.md, "Parties"): SUPER_ADMIN manages every SP, a SERVICE_ADMIN the ones it owns.
extension IdPRPC {
    public static let createServiceProvider = RPCMethod<SPAdminRequest, ServiceProviderCreated>(service: .idp, name: "create_sp")
    public static let listServiceProviders = RPCMethod<SPAdminRequest, ServiceProviderList>(service: .idp, name: "list_sps")
    public static let updateServiceProvider = RPCMethod<SPAdminRequest, ServiceProviderView>(service: .idp, name: "update_sp")
    public static let rotateServiceProviderSecret = RPCMethod<SPAdminRequest, ServiceProviderSecret>(
        service: .idp, name: "rotate_sp_secret")
    public static let rotateResultKey = RPCMethod<SPAdminRequest, ResultKey>(service: .idp, name: "rotate_result_key")
    public static let deliveries = RPCMethod<SPAdminRequest, DeliveryList>(service: .idp, name: "deliveries")
    /// A dead-lettered callback delivered again (same delivery id), once the SP is fixed.
    public static let resendDelivery = RPCMethod<SPAdminRequest, DeliveryList>(service: .idp, name: "resend_delivery")
}

public struct SPAdminRequest: Codable, Sendable {
    public var actor: AdminActor
    public var clientID: String?
    public var body: ServiceProviderBody?
    public var status: String?
    public var deliveryID: String?
    public var days: Int?

    public init(actor: AdminActor, clientID: String? = nil, body: ServiceProviderBody? = nil, status: String? = nil,
                deliveryID: String? = nil, days: Int? = nil) {
        self.actor = actor
        self.clientID = clientID
        self.body = body
        self.status = status
        self.deliveryID = deliveryID
        self.days = days
    }

    enum CodingKeys: String, CodingKey {
        case actor, body, status, days
        case clientID = "client_id"
        case deliveryID = "delivery_id"
    }
}

/// `POST` (name and callback_url required) and `PATCH` (the fields to change).
public struct ServiceProviderBody: Codable, Sendable {
    public var name: String?
    public var callbackURL: String?
    public var isActive: Bool?
    public var ownerUserID: String?

    public init(name: String? = nil, callbackURL: String? = nil, isActive: Bool? = nil, ownerUserID: String? = nil) {
        self.name = name
        self.callbackURL = callbackURL
        self.isActive = isActive
        self.ownerUserID = ownerUserID
    }

    enum CodingKeys: String, CodingKey {
        case name
        case callbackURL = "callback_url"
        case isActive = "is_active"
        case ownerUserID = "owner_user_id"
    }
}

public struct ServiceProviderView: Codable, Sendable {
    public var id: String
    public var clientID: String
    public var name: String
    public var callbackURL: String
    public var isActive: Bool
    public var ownerUserID: String?
    /// Its results carry the plain CI (set by the operator only, `idp-service admin ci-permission`).
    public var mayReceiveCI: Bool
    public var resultKeyID: String
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: String, clientID: String, name: String, callbackURL: String, isActive: Bool, ownerUserID: String?, mayReceiveCI: Bool,
                resultKeyID: String, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.clientID = clientID
        self.name = name
        self.callbackURL = callbackURL
        self.isActive = isActive
        self.ownerUserID = ownerUserID
        self.mayReceiveCI = mayReceiveCI
        self.resultKeyID = resultKeyID
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, name
        case clientID = "client_id"
        case callbackURL = "callback_url"
        case isActive = "is_active"
        case ownerUserID = "owner_user_id"
        case mayReceiveCI = "may_receive_ci"
        case resultKeyID = "result_kid"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

/// An AES-256 result key as a JWK's parts: `kid` and `k` (base64url).
public struct ResultKey: Codable, Sendable {
    public var kid: String
    public var k: String
    public init(kid: String, k: String) {
        self.kid = kid
        self.k = k
    }
}

/// A new SP with every secret, shown this once.
public struct ServiceProviderCreated: Codable, Sendable {
    public var serviceProvider: ServiceProviderView
    public var clientSecret: String
    public var webhookSecret: String
    public var resultKey: ResultKey

    public init(serviceProvider: ServiceProviderView, clientSecret: String, webhookSecret: String, resultKey: ResultKey) {
        self.serviceProvider = serviceProvider
        self.clientSecret = clientSecret
        self.webhookSecret = webhookSecret
        self.resultKey = resultKey
    }

    enum CodingKeys: String, CodingKey {
        case serviceProvider = "service_provider"
        case clientSecret = "client_secret"
        case webhookSecret = "webhook_secret"
        case resultKey = "result_key"
    }
}

public struct ServiceProviderList: Codable, Sendable {
    public var serviceProviders: [ServiceProviderView]
    public init(serviceProviders: [ServiceProviderView]) { self.serviceProviders = serviceProviders }
    enum CodingKeys: String, CodingKey { case serviceProviders = "service_providers" }
}

public struct ServiceProviderSecret: Codable, Sendable {
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

/// An SP callback as admins see it: never its body (the result is for the SP alone).
public struct DeliveryView: Codable, Sendable {
    public var deliveryID: String
    public var transactionID: String
    public var status: String
    public var attempts: Int
    public var lastStatusCode: Int?
    public var lastError: String?
    public var createdAt: Date
    public var deliveredAt: Date?

    public init(deliveryID: String, transactionID: String, status: String, attempts: Int, lastStatusCode: Int?, lastError: String?,
                createdAt: Date, deliveredAt: Date?) {
        self.deliveryID = deliveryID
        self.transactionID = transactionID
        self.status = status
        self.attempts = attempts
        self.lastStatusCode = lastStatusCode
        self.lastError = lastError
        self.createdAt = createdAt
        self.deliveredAt = deliveredAt
    }

    enum CodingKeys: String, CodingKey {
        case status, attempts
        case deliveryID = "delivery_id"
        case transactionID = "transaction_id"
        case lastStatusCode = "last_status_code"
        case lastError = "last_error"
        case createdAt = "created_at"
        case deliveredAt = "delivered_at"
    }
}

public struct DeliveryList: Codable, Sendable {
    public var deliveries: [DeliveryView]
    public init(deliveries: [DeliveryView]) { self.deliveries = deliveries }
}
