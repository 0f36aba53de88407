import Foundation

/// idp-service's methods: identity verification (docs/idp.md). Field names are the
/// verification API's: `user_phone_number`, `transaction_id`, `pin_code`, `auth_code`.
public enum IdPRPC {
  // Service providers, authenticated by their client credentials.
  public static let createRequest = RPCMethod<VerificationRequest, VerificationStatus>(service: .idp, name: "create_request")
  public static let requestStatus = RPCMethod<SPTransactionRequest, VerificationStatus>(service: .idp, name: "request_status")
  public static let result = RPCMethod<SPResultRequest, VerificationResult>(service: .idp, name: "result")
  // The person, by their access token.
  public static let profile = RPCMethod<NoRequest, IdentityProfileView>(service: .idp, name: "profile")
  public static let putProfile = RPCMethod<PutIdentityProfile, IdentityProfileView>(service: .idp, name: "put_profile")
  public static let changePin = RPCMethod<ChangePin, IdentityProfileView>(service: .idp, name: "change_pin")
  public static let verifyPhone = RPCMethod<VerifyPhone, IdentityProfileView>(service: .idp, name: "verify_phone")
  /// The caller's pending requests: the user is the call's principal.
  public static let inbox = RPCMethod<NoRequest, Inbox>(service: .idp, name: "inbox")
  public static let confirm = RPCMethod<UserDecision, DecisionResult>(service: .idp, name: "confirm")
  public static let reject = RPCMethod<UserDecision, DecisionResult>(service: .idp, name: "reject")
}

public enum VerificationStatusName: String, Codable, Sendable, CaseIterable {
  case pending = "PENDING"
  case completed = "COMPLETED"
  case failed = "FAILED"
  case expired = "EXPIRED"
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
  /// The SP's server as the gateway saw it, for the `AUTH_REQUEST` audit row (absent from a
  /// gateway of the version before, during a rolling deploy).
  public var client: ClientInfo?

  public init(credentials: ClientCredentials, body: VerificationRequestBody, client: ClientInfo?) {
    self.credentials = credentials
    self.body = body
    self.client = client
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
  /// The SP's server as the gateway saw it, for the `CI_DI_ACCESS` audit row (absent from a
  /// gateway of the version before, during a rolling deploy).
  public var client: ClientInfo?

  public init(credentials: ClientCredentials, transactionID: String, authCode: String, client: ClientInfo?) {
    self.credentials = credentials
    self.transactionID = transactionID
    self.authCode = authCode
    self.client = client
  }

  enum CodingKeys: String, CodingKey {
    case credentials, client
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
/// `PUT /api/v1/idp/profile`: `pin_code` for a new profile; `current_password` (or a recent
/// second factor) always, as for any change of where a person's identity answers (docs/idp.md,
/// "Phone numbers").
public struct IdentityProfileBody: Codable, Sendable {
  public var userPhoneNumber: String
  public var pinCode: String?
  public var currentPassword: String?

  public init(userPhoneNumber: String, pinCode: String?, currentPassword: String? = nil) {
    self.userPhoneNumber = userPhoneNumber
    self.pinCode = pinCode
    self.currentPassword = currentPassword
  }

  enum CodingKeys: String, CodingKey {
    case userPhoneNumber = "user_phone_number"
    case pinCode = "pin_code"
    case currentPassword = "current_password"
  }
}

/// The gateway's call, after token-service's gate; the password stays at the gateway.
public struct PutIdentityProfile: Codable, Sendable {
  public var body: IdentityProfileBody
  public var client: ClientInfo

  public init(body: IdentityProfileBody, client: ClientInfo) {
    var body = body
    body.currentPassword = nil
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

/// The body of an SP callback (docs/idp.md, "Callback"): the result JWE when the transaction
/// completed, the failure reason when it failed or expired; never personal data in the clear.
public struct CallbackBody: Codable, Sendable {
  public var transactionID: String
  public var status: VerificationStatusName
  public var result: String?
  public var failureReason: String?

  public init(transactionID: String, status: VerificationStatusName, result: String?, failureReason: String?) {
    self.transactionID = transactionID
    self.status = status
    self.result = result
    self.failureReason = failureReason
  }

  enum CodingKeys: String, CodingKey {
    case transactionID = "transaction_id"
    case status, result
    case failureReason = "failure_reason"
  }
}
