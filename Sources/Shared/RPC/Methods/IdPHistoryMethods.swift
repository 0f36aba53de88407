import Foundation

extension IdPRPC {
  public static let history = RPCMethod<HistoryRequest, History>(service: .idp, name: "history")
  public static let stats = RPCMethod<StatsRequest, Statistics>(service: .idp, name: "stats")
  /// The same numbers for an SP's owner (SERVICE_ADMIN) or a SUPER_ADMIN: `client_id` and `days`.
  public static let adminStats = RPCMethod<SPAdminRequest, Statistics>(service: .idp, name: "admin_stats")
}

/// A page of the person's own history, newest first (the person is the call's principal):
/// `GET /api/v1/idp/history?limit=&cursor=` (their verification requests) and
/// `GET /api/v1/users/me/sign-ins?limit=&cursor=` (their sign-ins).
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

  public init(
    transactionID: String, serviceProvider: String, purpose: String, status: VerificationStatusName, createdAt: Date,
    completedAt: Date?
  ) {
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

  public init(
    date: String, total: Int, completed: Int, failed: Int, expired: Int, pending: Int,
    successRate: Double?, averageSecondsToDecision: Double?
  ) {
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
  public var month: MonthlyVerifications

  public init(serviceProvider: String, days: [DailyStatistics], month: MonthlyVerifications) {
    self.serviceProvider = serviceProvider
    self.days = days
    self.month = month
  }

  enum CodingKeys: String, CodingKey {
    case serviceProvider = "service_provider"
    case days, month
  }
}

/// This calendar month (UTC) against the SP's plan (docs/admin.md, "Plans and quotas").
public struct MonthlyVerifications: Codable, Sendable {
  public var plan: ServicePlan
  /// Verification requests opened this month.
  public var requests: Int
  /// What the plan allows; nil for no limit.
  public var limit: Int?

  public init(plan: ServicePlan, requests: Int, limit: Int?) {
    self.plan = plan
    self.requests = requests
    self.limit = limit
  }
}
