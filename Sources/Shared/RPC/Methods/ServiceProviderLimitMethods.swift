extension IdPRPC {
  /// The call limit of the SP whose client credentials these are: how the gateway, which has no
  /// database, learns it (docs/limits.md). Wrong credentials are a 401 `invalid_client`.
  public static let callLimit = RPCMethod<ClientCredentials, ServiceProviderCallLimit>(service: .idp, name: "call_limit")
}

public struct ServiceProviderCallLimit: Codable, Sendable, Equatable {
  public var clientID: String
  /// Calls a minute; nil means the deployment's default (`GATEHOUSE_RATE_LIMIT_SP`).
  public var callsPerMinute: Int?

  public init(clientID: String, callsPerMinute: Int?) {
    self.clientID = clientID
    self.callsPerMinute = callsPerMinute
  }

  enum CodingKeys: String, CodingKey {
    case clientID = "client_id"
    case callsPerMinute = "calls_per_minute"
  }
}
