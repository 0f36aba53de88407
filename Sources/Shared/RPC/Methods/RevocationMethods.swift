extension TokenRPC {
  /// Every revocation that can still matter (from PostgreSQL), for a gateway that starts, whose
  /// Redis came back, or that reloads to catch events it missed.
  public static let revocations = RPCMethod<NoRequest, RevocationSet>(service: .token, name: "revocations")
}

public struct RevocationSet: Codable, Sendable {
  public var revocations: [Revocation]
  public init(revocations: [Revocation]) { self.revocations = revocations }
}
