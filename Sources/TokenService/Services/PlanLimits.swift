import Foundation
import Shared

/// What each plan allows (docs/admin.md, "Plans and quotas"): monthly active users of a service,
/// `GATEHOUSE_PLAN_<PLAN>_MONTHLY_ACTIVE_USERS` (a number, or `unlimited`). Defaults: free 1,000,
/// pro 10,000, studio 100,000, enterprise unlimited.
struct PlanLimits: Sendable {
  let monthlyActiveUsers: [ServicePlan: Int]

  static let defaults: [ServicePlan: Int?] = [.free: 1_000, .pro: 10_000, .studio: 100_000, .enterprise: nil]

  static func load(_ settings: Settings = .fromEnvironment()) throws(ConfigurationError) -> PlanLimits {
    var limits: [ServicePlan: Int] = [:]
    for plan in ServicePlan.allCases {
      let name = "GATEHOUSE_PLAN_\(plan.rawValue.uppercased())_MONTHLY_ACTIVE_USERS"
      if settings.string(name) == "unlimited" { continue }
      if let limit = try settings.int(name, range: 1...1_000_000_000) ?? Self.defaults[plan] ?? nil { limits[plan] = limit }
    }
    return PlanLimits(monthlyActiveUsers: limits)
  }

  /// The limit of `plan`, nil for unlimited.
  func monthlyActiveUsers(_ plan: ServicePlan) -> Int? { monthlyActiveUsers[plan] }
}
