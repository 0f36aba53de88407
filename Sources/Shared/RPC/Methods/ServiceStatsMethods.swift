import Foundation

extension TokenRPC {
  public static let serviceStats = RPCMethod<ServiceAdminRequest, ServiceStats>(service: .token, name: "service_stats")
}

/// `GET /api/v1/services/{slug}/stats` (docs/admin.md). Periods are calendar periods in
/// UTC (today, this ISO week, this month).
public struct ServiceStats: Codable, Sendable {
  public var totalUsers: Int
  public var activeUsers: Int
  public var newUsersToday: Int
  public var newUsersThisWeek: Int
  public var newUsersThisMonth: Int
  public var loginCountToday: Int
  public var loginCountThisWeek: Int
  public var loginCountThisMonth: Int
  public var popularProviders: [ProviderCount]
  /// The last 14 days (UTC), oldest first: sign-ins and people who joined each day.
  public var daily: [ServiceDay] = []
  /// People who signed in this calendar month (UTC): what the plan's quota counts.
  public var monthlyActiveUsers = 0

  public init(
    totalUsers: Int, activeUsers: Int, newUsersToday: Int, newUsersThisWeek: Int, newUsersThisMonth: Int,
    loginCountToday: Int, loginCountThisWeek: Int, loginCountThisMonth: Int, popularProviders: [ProviderCount]
  ) {
    self.totalUsers = totalUsers
    self.activeUsers = activeUsers
    self.newUsersToday = newUsersToday
    self.newUsersThisWeek = newUsersThisWeek
    self.newUsersThisMonth = newUsersThisMonth
    self.loginCountToday = loginCountToday
    self.loginCountThisWeek = loginCountThisWeek
    self.loginCountThisMonth = loginCountThisMonth
    self.popularProviders = popularProviders
  }

  enum CodingKeys: String, CodingKey {
    case totalUsers = "total_users"
    case activeUsers = "active_users"
    case newUsersToday = "new_users_today"
    case newUsersThisWeek = "new_users_this_week"
    case newUsersThisMonth = "new_users_this_month"
    case loginCountToday = "login_count_today"
    case loginCountThisWeek = "login_count_this_week"
    case loginCountThisMonth = "login_count_this_month"
    case popularProviders = "popular_providers"
    case daily
    case monthlyActiveUsers = "monthly_active_users"
  }
}

/// One day of a service's statistics.
public struct ServiceDay: Codable, Sendable {
  /// `2026-12-07`.
  public var date: String
  public var signIns: Int
  public var newUsers: Int

  public init(date: String, signIns: Int, newUsers: Int) {
    self.date = date
    self.signIns = signIns
    self.newUsers = newUsers
  }

  enum CodingKeys: String, CodingKey {
    case date
    case signIns = "sign_ins"
    case newUsers = "new_users"
  }
}

/// Sign-ins this month by how they were made (`password` until social sign-in lands).
public struct ProviderCount: Codable, Sendable {
  public var provider: String
  public var logins: Int
  public init(provider: String, logins: Int) {
    self.provider = provider
    self.logins = logins
  }
}
