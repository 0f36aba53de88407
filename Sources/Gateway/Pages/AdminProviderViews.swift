import Foundation
import Shared

/// What the admin console's provider page shows (AdminProvidersController).
enum AdminProviderViews {
  /// One provider's page: its settings, 14 days' totals and chart, then its deliveries.
  static func provider(
    _ provider: ServiceProviderView, stats: Statistics, deliveries: DeliveryList, status: String?, words: [String: String]
  ) -> [String: Any] {
    let bars = stats.days.suffix(14).map { day in
      BarChart.Bar(label: String(day.date.suffix(5)), values: [Double(day.completed), Double(day.failed + day.expired)])
    }
    let quiet = stats.days.allSatisfy { $0.total == 0 }
    return [
      "clientID": provider.clientID, "name": provider.name, "callback": provider.callbackURL, "active": provider.isActive,
      "quiet": quiet, "totals": totals(stats.days.suffix(14), words: words),
      "chart": BarChart(
        title: words["stat.perDay"] ?? "", series: [words["stat.completed"] ?? "", words["stat.failedOrExpired"] ?? ""], bars: bars,
        columns: true
      ).svg,
      "deliveries": deliveries.deliveries.map { delivery -> [String: Any] in
        [
          "id": delivery.deliveryID, "transaction": delivery.transactionID, "status": delivery.status, "attempts": delivery.attempts,
          "lastStatus": delivery.lastStatusCode.map(String.init) ?? "—", "error": delivery.lastError ?? "",
          "created": AccountOverview.time(delivery.createdAt), "dead": delivery.status == "dead",
        ]
      },
      "hasDeliveries": !deliveries.deliveries.isEmpty,
      "statusFilters": ["pending", "delivered", "dead"].map { ["value": $0, "selected": $0 == status] },
    ]
  }

  /// The period's totals (seed 002's provider view): requests, completed, failed, expired, the
  /// success rate of those decided or expired, and the mean seconds to a decision.
  static func totals(_ days: ArraySlice<DailyStatistics>, words: [String: String]) -> [[String: Any]] {
    let completed = days.reduce(0) { $0 + $1.completed }
    let failed = days.reduce(0) { $0 + $1.failed }
    let expired = days.reduce(0) { $0 + $1.expired }
    let ended = completed + failed + expired
    // Each day's mean weighted by its decisions (completed or failed), for the period's mean.
    let timed = days.compactMap { day in day.averageSecondsToDecision.map { ($0, Double(day.completed + day.failed)) } }
    let weight = timed.reduce(0) { $0 + $1.1 }
    let seconds = weight > 0 ? timed.reduce(0) { $0 + $1.0 * $1.1 } / weight : nil
    func word(_ key: String) -> String { words[key] ?? key }
    return [
      ["value": String(days.reduce(0) { $0 + $1.total }), "name": word("stat.requests")],
      ["value": String(completed), "name": word("stat.completed")],
      ["value": String(failed), "name": word("stat.failed")],
      ["value": String(expired), "name": word("stat.expired")],
      ["value": ended > 0 ? String(format: "%.1f%%", 100 * Double(completed) / Double(ended)) : "—", "name": word("stat.successRate")],
      ["value": seconds.map { String(format: "%.1f s", $0) } ?? "—", "name": word("stat.secondsToDecision")],
    ]
  }
}
