/// A typed RPC method: the request and response types are fixed here, once, and both the caller
/// and the serving service use this value.
public struct RPCMethod<Request: Codable & Sendable, Response: Codable & Sendable>: Sendable {
  public let service: ServiceName
  public let name: String

  public init(service: ServiceName, name: String) {
    self.service = service
    self.name = "\(service.rawValue).\(name)"
  }
}

/// Every service answers `<service>.ping`: who answered and whether its database is reachable.
public struct PingRequest: Codable, Sendable {
  /// Holds the reply back; honoured only outside production, for fault tests.
  public var delayMs: Int?
  /// Skips the PostgreSQL round trip, to measure RPC alone.
  public var skipPostgres: Bool?

  public init(delayMs: Int? = nil, skipPostgres: Bool? = nil) {
    self.delayMs = delayMs
    self.skipPostgres = skipPostgres
  }

  enum CodingKeys: String, CodingKey {
    case delayMs = "delay_ms"
    case skipPostgres = "skip_postgres"
  }
}

public struct PingResponse: Codable, Sendable {
  public var service: String
  public var instance: String
  public var postgresMs: Double?
  public var postgresError: String?

  public init(service: String, instance: String, postgresMs: Double?, postgresError: String?) {
    self.service = service
    self.instance = instance
    self.postgresMs = postgresMs
    self.postgresError = postgresError
  }

  enum CodingKeys: String, CodingKey {
    case service, instance
    case postgresMs = "postgres_ms"
    case postgresError = "postgres_error"
  }
}

extension RPCMethod where Request == PingRequest, Response == PingResponse {
  public static func ping(_ service: ServiceName) -> Self { Self(service: service, name: "ping") }
}
