/// The event channels (docs/plumbing.md), with their payloads.
public enum Topics {
  /// The signing keys changed (rotation): gateways reload the JWKS.
  public static let keys = EventTopic<KeysChanged>("gh:ev:keys")
  /// A token or a user's tokens were revoked: gateways refuse them from now on.
  public static let revoked = EventTopic<Revocation>("gh:ev:revoked")
}

public struct KeysChanged: Codable, Sendable, Equatable {
  public var currentKid: String

  public init(currentKid: String) { self.currentKid = currentKid }

  enum CodingKeys: String, CodingKey { case currentKid = "current_kid" }
}

extension Topics {
  /// A service's settings changed (created, origins, lifetimes, status): gateways reload what they cache of them.
  public static let config = EventTopic<ConfigChanged>("gh:ev:config")
}

public struct ConfigChanged: Codable, Sendable, Equatable {
  public var service: String

  public init(service: String) { self.service = service }
}
