import Foundation
import Shared

/// Which audit rows are a person's sign-ins, and how each reads (docs/accounts.md, "Sign-in
/// history"): a sign-in through the JSON API or a provider (`USER_LOGIN`; not the session an
/// authorization code opened, whose sign-in was the browser's), a browser's sign-in on the hosted
/// pages (`BROWSER_SESSION_STARTED`), a wrong password for the account (`USER_LOGIN_FAILED`) and a
/// wrong second factor (`MFA_FAILED`).
enum SignInHistoryRules {
  static let actions = ["USER_LOGIN", "BROWSER_SESSION_STARTED", "USER_LOGIN_FAILED", "MFA_FAILED"]

  static func event(_ row: SignInHistoryStore.Row) -> SignInEvent {
    let details = row.details
    let (outcome, method, detail): (String, String, String?) =
      switch row.action {
      case "USER_LOGIN": ("success", details["method"] ?? "password", details["mfa"].flatMap { $0 == "none" ? nil : $0 })
      case "BROWSER_SESSION_STARTED": ("success", details["amr"] ?? "", nil)
      case "USER_LOGIN_FAILED": ("failure", "password", details["locked"] == "yes" ? "wrong_password locked" : "wrong_password")
      default: ("failure", "second_factor", details["locked"] == "yes" ? "wrong_code locked" : "wrong_code")
      }
    return SignInEvent(
      outcome: outcome, method: method, detail: detail, service: row.service, ip: row.ip, userAgent: row.userAgent,
      device: DeviceName.of(row.userAgent), at: row.at)
  }

  /// A page of `limit` (1 to 100) after `cursor` (an id this API gave out).
  static func page(userID: UUID, _ request: HistoryRequest, store: SignInHistoryStore) async throws -> SignInHistory {
    guard (1...100).contains(request.limit) else { throw RequestProblems.invalidField.problem("limit is 1 to 100.", field: "limit") }
    let before = try request.cursor.map { cursor throws(Problem) -> Int64 in
      guard let id = Int64(cursor), id > 0 else {
        throw RequestProblems.invalidField.problem("cursor is not one this API gave out.", field: "cursor")
      }
      return id
    }
    let rows = try await store.rows(userID: userID, before: before, limit: request.limit + 1)
    let shown = rows.prefix(request.limit)
    return SignInHistory(
      events: shown.map(event), nextCursor: rows.count > request.limit ? shown.last.map { String($0.id) } : nil)
  }
}
