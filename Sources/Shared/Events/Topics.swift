/// The event channels of DESIGN.md section 3, with their payloads.
public enum Topics {
    /// The signing keys changed (rotation): gateways reload the JWKS.
    public static let keys = EventTopic<KeysChanged>("gh:ev:keys")
}

public struct KeysChanged: Codable, Sendable, Equatable {
    public var currentKid: String

    public init(currentKid: String) { self.currentKid = currentKid }

    enum CodingKeys: String, CodingKey { case currentKid = "current_kid" }
}
