import Foundation

/// What each plan allows a month (docs/admin.md, "Plans and quotas"):
/// `GATEHOUSE_PLAN_<PLAN>_<MEASURE>`, a number or `unlimited`.
///
/// - monthly active users of a service (token-service): free 1,000, pro 10,000, studio 100,000;
/// - verification requests of a service provider (idp-service): free 100, pro 1,000, studio 5,000.
///
/// Enterprise is unlimited unless set.
public struct PlanLimits: Sendable {
  public enum Measure: String, Sendable {
    case monthlyActiveUsers = "MONTHLY_ACTIVE_USERS"
    case monthlyVerifications = "MONTHLY_VERIFICATIONS"

    var defaults: [ServicePlan: Int] {
      switch self {
      case .monthlyActiveUsers: [.free: 1_000, .pro: 10_000, .studio: 100_000]
      case .monthlyVerifications: [.free: 100, .pro: 1_000, .studio: 5_000]
      }
    }
  }

  let limits: [ServicePlan: Int]

  public init(_ limits: [ServicePlan: Int]) { self.limits = limits }

  public static func load(_ measure: Measure, _ settings: Settings = .fromEnvironment()) throws(ConfigurationError) -> PlanLimits {
    var limits: [ServicePlan: Int] = [:]
    for plan in ServicePlan.allCases {
      let name = "GATEHOUSE_PLAN_\(plan.rawValue.uppercased())_\(measure.rawValue)"
      if settings.string(name) == "unlimited" { continue }
      if let limit = try settings.int(name, range: 1...1_000_000_000) ?? measure.defaults[plan] { limits[plan] = limit }
    }
    return PlanLimits(limits)
  }

  /// The limit of `plan`, nil for unlimited.
  public func limit(_ plan: ServicePlan) -> Int? { limits[plan] }
}
