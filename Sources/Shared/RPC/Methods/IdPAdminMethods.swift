import Foundation

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

/// One SP admin call; who asks is the call's principal (`RPCRequestContext.adminActor()`).
public struct SPAdminRequest: Codable, Sendable {
  public var clientID: String?
  public var body: ServiceProviderBody?
  public var status: String?
  public var deliveryID: String?
  public var days: Int?

  public init(
    clientID: String? = nil, body: ServiceProviderBody? = nil, status: String? = nil,
    deliveryID: String? = nil, days: Int? = nil
  ) {
    self.clientID = clientID
    self.body = body
    self.status = status
    self.deliveryID = deliveryID
    self.days = days
  }

  enum CodingKeys: String, CodingKey {
    case body, status, days
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

  public init(
    id: String, clientID: String, name: String, callbackURL: String, isActive: Bool, ownerUserID: String?, mayReceiveCI: Bool,
    resultKeyID: String, createdAt: Date, updatedAt: Date
  ) {
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
  /// The same key as Standard Webhooks libraries take it (`whsec_` + base64).
  public var standardWebhookSecret: String
  public var resultKey: ResultKey

  public init(serviceProvider: ServiceProviderView, clientSecret: String, webhookSecret: String, resultKey: ResultKey) {
    self.serviceProvider = serviceProvider
    self.clientSecret = clientSecret
    self.webhookSecret = webhookSecret
    self.standardWebhookSecret = StandardWebhookSecret.text(webhookSecret: webhookSecret)
    self.resultKey = resultKey
  }

  enum CodingKeys: String, CodingKey {
    case serviceProvider = "service_provider"
    case clientSecret = "client_secret"
    case webhookSecret = "webhook_secret"
    case standardWebhookSecret = "standard_webhook_secret"
    case resultKey = "result_key"
  }
}

/// An SP's webhook key written for Standard Webhooks libraries (standardwebhooks.com): the
/// `webhook_secret` Gatehouse prints is the key's 32 bytes in base64url without padding; these
/// libraries take `whsec_` and the same bytes in standard base64.
public enum StandardWebhookSecret {
  public static func text(webhookSecret: String) -> String {
    "whsec_" + Data(Base64URL.decode(webhookSecret) ?? []).base64EncodedString()
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

  public init(
    deliveryID: String, transactionID: String, status: String, attempts: Int, lastStatusCode: Int?, lastError: String?,
    createdAt: Date, deliveredAt: Date?
  ) {
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
