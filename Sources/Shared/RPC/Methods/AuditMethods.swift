import Foundation

extension TokenRPC {
  /// `GET /api/v1/audit-events`: AUDITOR and SUPER_ADMIN read everything; a SERVICE_ADMIN the events of services it owns.
  public static let auditEvents = RPCMethod<AuditQuery, AuditPage>(service: .token, name: "audit_events")
}

/// Which events; who asks is the call's principal (`RPCRequestContext.adminActor()`).
public struct AuditQuery: Codable, Sendable {
  public var userID: String?
  public var action: String?
  public var service: String?
  /// An address or a CIDR block (`203.0.113.0/24`): events whose client address is in it.
  public var ip: String?
  public var from: Date?
  public var to: Date?
  public var limit: Int
  public var cursor: String?

  public init(
    userID: String?, action: String?, service: String?, ip: String? = nil, from: Date?, to: Date?,
    limit: Int, cursor: String?
  ) {
    self.userID = userID
    self.action = action
    self.service = service
    self.ip = ip
    self.from = from
    self.to = to
    self.limit = limit
    self.cursor = cursor
  }

  enum CodingKeys: String, CodingKey {
    case action, service, ip, from, to, limit, cursor
    case userID = "user_id"
  }
}

public struct AuditEventView: Codable, Sendable {
  public var id: Int64
  public var occurredAt: Date
  public var action: String
  public var userID: String?
  public var serviceID: String?
  public var spID: String?
  public var clientID: String?
  public var requestID: String?
  public var ip: String?
  public var userAgent: String?
  public var details: [String: String]

  public init(
    id: Int64, occurredAt: Date, action: String, userID: String?, serviceID: String?, spID: String?, clientID: String?,
    requestID: String?, ip: String? = nil, userAgent: String? = nil, details: [String: String]
  ) {
    self.ip = ip
    self.userAgent = userAgent
    self.id = id
    self.occurredAt = occurredAt
    self.action = action
    self.userID = userID
    self.serviceID = serviceID
    self.spID = spID
    self.clientID = clientID
    self.requestID = requestID
    self.details = details
  }

  enum CodingKeys: String, CodingKey {
    case id, action, details, ip
    case userAgent = "user_agent"
    case occurredAt = "occurred_at"
    case userID = "user_id"
    case serviceID = "service_id"
    case spID = "sp_id"
    case clientID = "client_id"
    case requestID = "request_id"
  }
}

public struct AuditPage: Codable, Sendable {
  public var events: [AuditEventView]
  public var nextCursor: String?
  /// The latest scheduled check of the hash chains, for a SUPER_ADMIN or an AUDITOR (the whole
  /// log's); nil for others, and before the first check.
  public var chainCheck: AuditChainCheck?

  public init(events: [AuditEventView], nextCursor: String?) {
    self.events = events
    self.nextCursor = nextCursor
  }

  enum CodingKeys: String, CodingKey {
    case events
    case nextCursor = "next_cursor"
    case chainCheck = "chain_check"
  }
}

/// What a check of the audit log's hash chains found (docs/admin.md, "Audit log").
public struct AuditChainCheck: Codable, Sendable {
  public var checkedAt: Date
  public var rows: Int
  public var chains: Int
  public var problemCount: Int
  /// The first 20 problems, each naming its row.
  public var problems: [String]

  public init(checkedAt: Date, rows: Int, chains: Int, problemCount: Int, problems: [String]) {
    self.checkedAt = checkedAt
    self.rows = rows
    self.chains = chains
    self.problemCount = problemCount
    self.problems = problems
  }

  enum CodingKeys: String, CodingKey {
    case rows, chains, problems
    case checkedAt = "checked_at"
    case problemCount = "problem_count"
  }
}
