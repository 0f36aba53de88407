import Foundation

extension IdPRPC {
  /// An SP's verification transactions for its admins, newest first, by status and time; without
  /// a client id, those of every provider the admin manages (all of them for a SUPER_ADMIN).
  public static let adminTransactions = RPCMethod<TransactionQuery, TransactionList>(service: .idp, name: "admin_transactions")
}

/// `GET /api/v1/idp/service-providers/{client_id}/transactions?status=&from=&to=&limit=&cursor=`,
/// and `GET /api/v1/idp/transactions?service_provider=&...` across providers.
public struct TransactionQuery: Codable, Sendable {
  public var clientID: String?
  /// `PENDING`, `COMPLETED`, `FAILED` or `EXPIRED` (any case); nil for all.
  public var status: String?
  public var from: Date?
  public var to: Date?
  public var limit: Int
  public var cursor: String?

  public init(clientID: String?, status: String? = nil, from: Date? = nil, to: Date? = nil, limit: Int = 50, cursor: String? = nil) {
    self.clientID = clientID
    self.status = status
    self.from = from
    self.to = to
    self.limit = limit
    self.cursor = cursor
  }

  enum CodingKeys: String, CodingKey {
    case status, from, to, limit, cursor
    case clientID = "client_id"
  }
}

/// A transaction as its SP's admins see it: the person's phone number masked (`010-****-5678`),
/// never the result.
public struct TransactionView: Codable, Sendable {
  public var transactionID: String
  public var status: VerificationStatusName
  public var purpose: String
  public var maskedPhoneNumber: String?
  public var failureReason: String?
  public var createdAt: Date
  public var completedAt: Date?
  /// The provider that asked: its client id and name.
  public var serviceProvider: String?
  public var serviceProviderName: String?

  public init(
    transactionID: String, status: VerificationStatusName, purpose: String, maskedPhoneNumber: String?, failureReason: String?,
    createdAt: Date, completedAt: Date?
  ) {
    self.transactionID = transactionID
    self.status = status
    self.purpose = purpose
    self.maskedPhoneNumber = maskedPhoneNumber
    self.failureReason = failureReason
    self.createdAt = createdAt
    self.completedAt = completedAt
  }

  enum CodingKeys: String, CodingKey {
    case status, purpose
    case transactionID = "transaction_id"
    case maskedPhoneNumber = "masked_phone_number"
    case failureReason = "failure_reason"
    case createdAt = "created_at"
    case completedAt = "completed_at"
    case serviceProvider = "service_provider"
    case serviceProviderName = "service_provider_name"
  }
}

public struct TransactionList: Codable, Sendable {
  public var transactions: [TransactionView]
  public var nextCursor: String?

  public init(transactions: [TransactionView], nextCursor: String?) {
    self.transactions = transactions
    self.nextCursor = nextCursor
  }

  enum CodingKeys: String, CodingKey {
    case transactions
    case nextCursor = "next_cursor"
  }
}

extension TransactionView {
  /// `010-1234-5678` as `010-****-5678`: the middle group hidden, as seed 002's admin shows it.
  public static func mask(phone: String) -> String {
    let groups = phone.split(separator: "-")
    guard groups.count == 3 else { return String(repeating: "*", count: max(0, phone.count - 4)) + phone.suffix(4) }
    return "\(groups[0])-\(String(repeating: "*", count: groups[1].count))-\(groups[2])"
  }
}
