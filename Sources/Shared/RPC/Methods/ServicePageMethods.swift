extension TokenRPC {
  /// The admin console's service page in one call: the service, its statistics and a page of
  /// its members (`query`), each under the permission its own route needs.
  public static let servicePage = RPCMethod<ServiceAdminRequest, ServicePage>(service: .token, name: "service_page")
}

/// What the admin console shows of one service (docs/pages.md).
public struct ServicePage: Codable, Sendable {
  public var service: ServiceView
  public var stats: ServiceStats
  public var members: MemberList

  public init(service: ServiceView, stats: ServiceStats, members: MemberList) {
    self.service = service
    self.stats = stats
    self.members = members
  }
}
