/// The name a service's RPC queue is known by (`gh:rpc:{token}`).
public struct ServiceName: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
  public let rawValue: String
  public init(rawValue: String) { self.rawValue = rawValue }
  public init(_ rawValue: String) { self.rawValue = rawValue }
  public var description: String { rawValue }

  public static let token = ServiceName("token")
  public static let social = ServiceName("social")
  public static let idp = ServiceName("idp")

  /// The services the gateway needs alive to be ready.
  public static let backends: [ServiceName] = [.token, .social, .idp]

  // Hash tags keep a service's queue and liveness set in one Redis Cluster slot, so the Lua
  // script that checks one and pushes to the other is legal there.
  var queueKey: String { "gh:rpc:{\(rawValue)}" }
  public var aliveKey: String { "gh:alive:{\(rawValue)}" }
}
