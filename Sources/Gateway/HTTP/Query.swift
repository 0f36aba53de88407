import Foundation
import Hummingbird
import Shared

/// Query parameters a route cannot do without.
enum Query {
  /// The parameter's value, or a 400 naming it when it is missing or empty.
  static func required(_ request: Request, _ name: String) throws -> String {
    guard let value = request.uri.queryParameters[Substring(name)], !value.isEmpty else {
      throw RequestProblems.invalidRequest.problem("\(name) is required.", field: name)
    }
    return String(value)
  }

  /// An optional parameter: nil when missing or empty.
  static func optional(_ request: Request, _ name: String) -> String? {
    request.uri.queryParameters[Substring(name)].flatMap { $0.isEmpty ? nil : String($0) }
  }

  /// A time bound: an ISO 8601 time, or a day (`2026-12-07`, as date fields send it): its
  /// start, or with `endOfDay` the next day's start. A 422 naming the parameter otherwise.
  static func time(_ request: Request, _ name: String, endOfDay: Bool = false) throws -> Date? {
    guard let value = optional(request, name) else { return nil }
    if let day = try? Date(value + "T00:00:00Z", strategy: .iso8601) { return endOfDay ? day.addingTimeInterval(86_400) : day }
    guard let moment = try? Date(value, strategy: .iso8601) else {
      throw RequestProblems.invalidField.problem("\(name) is a day (YYYY-MM-DD) or an ISO 8601 time.", field: name)
    }
    return moment
  }

  /// A whole number, `fallback` when missing; a 422 naming it otherwise.
  static func number(_ request: Request, _ name: String, fallback: Int) throws -> Int {
    guard let value = optional(request, name) else { return fallback }
    guard let number = Int(value) else { throw RequestProblems.invalidField.problem("\(name) is a number.", field: name) }
    return number
  }
}

/// `?status=&from=&to=&limit=&cursor=` of an SP's transactions, for the JSON route and the page.
enum AdminTransactionQuery {
  static func read(_ request: Request, clientID: String?) throws -> TransactionQuery {
    TransactionQuery(
      clientID: clientID, status: Query.optional(request, "status"), from: try Query.time(request, "from"),
      to: try Query.time(request, "to", endOfDay: true), limit: try Query.number(request, "limit", fallback: 50),
      cursor: Query.optional(request, "cursor"))
  }
}

/// Redirects the gateway answers with.
enum Redirect {
  /// 302 to `location`, never cached.
  static func found(_ location: String) -> Response {
    Response(status: .found, headers: [.location: location, .cacheControl: "no-store"])
  }
}

extension AuditQuery {
  /// `?user_id=&action=&service=&ip=&from=&to=&cursor=` of the audit log, for the JSON route and the page.
  static func read(_ request: Request, limit: Int) throws -> AuditQuery {
    AuditQuery(
      userID: Query.optional(request, "user_id"), action: Query.optional(request, "action"), service: Query.optional(request, "service"),
      ip: Query.optional(request, "ip"), from: try Query.time(request, "from"), to: try Query.time(request, "to", endOfDay: true),
      limit: limit, cursor: Query.optional(request, "cursor"))
  }
}
