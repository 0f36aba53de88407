import Foundation
import Hummingbird
import Shared

/// The admin console's answers as its templates' values, and its query and form readers.
enum AdminViews {
  static func serviceRow(_ service: ServiceView) -> [String: Any] {
    [
      "slug": service.slug, "name": service.name, "type": service.type, "status": service.status,
      "active": service.status == "active", "clientID": service.clientID, "created": AccountOverview.time(service.createdAt),
    ]
  }

  /// One service's page: its settings as the form shows them, the chart, the members.
  static func service(
    _ service: ServiceView, stats: ServiceStats, members: MemberList, filter: MemberQuery, words: [String: String]
  ) -> [String: Any] {
    var values = serviceRow(service)
    values["origins"] = service.allowedOrigins.joined(separator: "\n")
    values["redirectURIs"] = service.redirectURIs.joined(separator: "\n")
    values["accessTTL"] = service.accessTokenTTLSeconds
    values["refreshTTL"] = service.refreshTokenTTLSeconds
    values["requireMFA"] = service.requireMFA
    values["statuses"] = ["active", "suspended", "maintenance", "inactive"].map { ["value": $0, "selected": $0 == service.status] }
    values["plan"] = service.plan.rawValue
    values["plans"] = ServicePlan.allCases.map { ["value": $0.rawValue, "selected": $0 == service.plan] }
    values["scopeCatalogue"] = ScopeCatalogueForm.text(service.scopeCatalogue)
    values["scopes"] = service.scopeCatalogue.map { scope -> [String: Any] in
      [
        "name": scope.name, "ko": scope.descriptionKo, "en": scope.descriptionEn, "default": scope.isDefault && !scope.isRequired,
        "required": scope.isRequired,
      ]
    }
    values["hasScopes"] = !service.scopeCatalogue.isEmpty
    values["chart"] = chart(stats, words: words)
    if stats.daily.contains(where: { $0.signIns > 0 || $0.newUsers > 0 }) { values["dailyChart"] = dailyChart(stats, words: words) }
    values["totals"] = [
      ("stat.totalUsers", stats.totalUsers), ("stat.activeUsers", stats.activeUsers), ("stat.newUsersToday", stats.newUsersToday),
      ("stat.loginCountToday", stats.loginCountToday), ("stat.monthlyActiveUsers", stats.monthlyActiveUsers),
    ].map { ["name": words[$0.0] ?? $0.0, "value": $0.1] }
    values["members"] = members.users.map { member -> [String: Any] in
      [
        "id": member.userID, "username": member.username, "email": Masked.email(member.email), "status": member.status,
        "joined": AccountOverview.time(member.joinedAt), "lastLogin": member.lastLoginAt.map(AccountOverview.time) ?? "—",
        "roles": ServiceRole.allCases.map(\.rawValue).map { ["value": $0, "selected": $0 == member.role] },
        "statuses": memberStatuses.map { ["value": $0, "selected": $0 == member.status] },
        "grantedScopes": member.scopes.joined(separator: " "), "permissions": member.permissions.joined(separator: " "),
      ]
    }
    values["hasMembers"] = !members.users.isEmpty
    values["filterRoles"] = ServiceRole.allCases.map(\.rawValue).map { ["value": $0, "selected": $0 == filter.role] }
    values["newMemberRoles"] = ServiceRole.allCases.map(\.rawValue).map { ["value": $0, "selected": $0 == ServiceRole.user.rawValue] }
    values["filterStatuses"] = memberStatuses.map { ["value": $0, "selected": $0 == filter.status] }
    values["nextCursor"] = members.nextCursor ?? ""
    return values
  }

  /// Sign-ins and new members on each of the last 14 days.
  static func dailyChart(_ stats: ServiceStats, words: [String: String]) -> String {
    func word(_ key: String) -> String { words[key] ?? key }
    let bars = stats.daily.map { BarChart.Bar(label: String($0.date.suffix(5)), values: [Double($0.signIns), Double($0.newUsers)]) }
    return BarChart(title: word("stat.dailyTitle"), series: [word("stat.signIns"), word("stat.newUsers")], bars: bars, columns: true).svg
  }

  static let memberStatuses = ["active", "inactive", "suspended", "banned"]

  /// Sign-ins and new people over today, this week and this month; sign-ins per provider.
  static func chart(_ stats: ServiceStats, words: [String: String]) -> String {
    func word(_ key: String) -> String { words[key] ?? key }
    var bars = [
      BarChart.Bar(label: word("stat.today"), values: [Double(stats.loginCountToday), Double(stats.newUsersToday)]),
      BarChart.Bar(label: word("stat.thisWeek"), values: [Double(stats.loginCountThisWeek), Double(stats.newUsersThisWeek)]),
      BarChart.Bar(label: word("stat.thisMonth"), values: [Double(stats.loginCountThisMonth), Double(stats.newUsersThisMonth)]),
    ]
    bars += stats.popularProviders.prefix(5).map { BarChart.Bar(label: $0.provider, values: [Double($0.logins), 0]) }
    return BarChart(title: word("stat.chartTitle"), series: [word("stat.signIns"), word("stat.newUsers")], bars: bars).svg
  }

  /// A form's choice: empty means none.
  static func filter(_ value: String?) -> String? { value.flatMap { $0.isEmpty ? nil : $0 } }

  /// A whole number from a form, or none when left empty.
  static func number(_ text: String?, field: String) throws -> Int? {
    guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
    guard let value = Int(text) else { throw RequestProblems.invalidField.problem("\(field) is a whole number.", field: field) }
    return value
  }
}

extension AdminViews {
  /// The latest check of the hash chains, for those who read the whole log (`wholeLog`).
  static func chainCheck(_ check: AuditChainCheck?, wholeLog: Bool) -> [String: Any] {
    guard wholeLog else { return [:] }
    guard let check else { return ["chainUnchecked": true] }
    return [
      "chainCheck": [
        "intact": check.problemCount == 0, "state": check.problemCount == 0 ? "intact" : "tampered", "rows": check.rows,
        "chains": check.chains, "problemCount": check.problemCount, "problems": check.problems,
        "checkedAt": AccountOverview.time(check.checkedAt),
      ]
    ]
  }

  static func audit(_ page: AuditPage, query: AuditQuery, request: Request) -> [String: Any] {
    let kept = ["user_id", "action", "service", "ip", "from", "to"].compactMap { name in Query.optional(request, name).map { (name, $0) } }
    let next = page.nextCursor.map { "/admin/audit?" + URLQuery.encode(kept + [("cursor", $0)]) }
    return [
      "events": page.events.map { event -> [String: Any] in
        [
          "time": AccountOverview.time(event.occurredAt), "action": event.action, "user": event.userID ?? "—",
          "service": event.serviceID ?? "—", "ip": event.ip ?? "—",
          "details": event.details.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "),
        ]
      },
      "hasEvents": !page.events.isEmpty,
      "userID": query.userID ?? "", "action": query.action ?? "", "service": query.service ?? "",
      "ip": query.ip ?? "", "from": Query.optional(request, "from") ?? "", "to": Query.optional(request, "to") ?? "",
    ].merging(next.map { ["next": $0] } ?? [:]) { _, new in new }
  }

  /// One page of transactions, with the filters as given and the link to older ones: one
  /// provider's (`clientID`), or across the providers in `choices` (a filter of its own).
  static func transactions(
    _ list: TransactionList, clientID: String?, choices: [ServiceProviderView] = [], request: Request
  ) -> [String: Any] {
    let path = clientID.map { "/admin/service-providers/\($0)/transactions" } ?? "/admin/transactions"
    let names = ["service_provider", "status", "from", "to"]
    let kept = names.compactMap { name in Query.optional(request, name).map { (name, $0) } }
    let status = Query.optional(request, "status")?.uppercased()
    let chosen = Query.optional(request, "service_provider")
    var values: [String: Any] = [
      "path": path, "acrossProviders": clientID == nil,
      "transactions": list.transactions.map { item -> [String: Any] in
        [
          "id": item.transactionID, "status": item.status.rawValue, "completed": item.status == .completed,
          "purpose": item.purpose, "phone": item.maskedPhoneNumber ?? "—", "reason": item.failureReason ?? "",
          "created": AccountOverview.time(item.createdAt), "decided": item.completedAt.map(AccountOverview.time) ?? "—",
          "provider": item.serviceProviderName ?? "", "providerID": item.serviceProvider ?? "",
        ]
      },
      "hasTransactions": !list.transactions.isEmpty,
      "statusFilters": ["PENDING", "COMPLETED", "FAILED", "EXPIRED"].map { ["value": $0, "selected": $0 == status] },
      "providerChoices": choices.map { ["value": $0.clientID, "name": $0.name, "selected": $0.clientID == chosen] },
      "from": Query.optional(request, "from") ?? "", "to": Query.optional(request, "to") ?? "",
    ]
    if let clientID { values["clientID"] = clientID }
    if let cursor = list.nextCursor { values["next"] = path + "?" + URLQuery.encode(kept + [("cursor", cursor)]) }
    return values
  }
}
