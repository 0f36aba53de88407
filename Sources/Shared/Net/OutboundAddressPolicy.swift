/// Which addresses Gatehouse connects to for a URL that someone other than the operator set (an
/// SP's callback URL): globally reachable unicast addresses only. Refused: loopback, private
/// (10/8, 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16, fe80::/10, where cloud
/// metadata services live), CGNAT (100.64/10), unspecified, "this network" (0/8), multicast,
/// broadcast and reserved space, documentation and benchmarking ranges, known metadata
/// addresses, and IPv6 forms that carry one of those IPv4 addresses (mapped, compatible, NAT64,
/// 6to4). Loopback is allowed only outside production, and only for an address written as one
/// (or `localhost`), never for a name that resolves to one: `OutboundTarget` decides that.
public struct OutboundAddressPolicy: Sendable {
  public enum Verdict: Sendable, Equatable {
    case global
    case loopback
    case refused(String)
  }

  /// Loopback targets (an SP on this machine) are allowed: GATEHOUSE_ENV local or test.
  public let allowsLoopback: Bool

  public init(allowsLoopback: Bool) {
    self.allowsLoopback = allowsLoopback
  }

  public init(environment: DeploymentEnvironment) {
    allowsLoopback = environment != .production
  }

  public static func classify(_ address: IPAddress) -> Verdict {
    switch address {
    case .v4(let value): return classify(v4: value)
    case .v6(let bytes): return classify(v6: bytes)
    }
  }

  /// IANA's special-purpose IPv4 registry, the parts not globally reachable, and metadata
  /// services outside it.
  private static let v4Ranges: [(prefix: UInt32, length: UInt32, reason: String)] = [
    (0x0000_0000, 8, "this network (0.0.0.0/8)"),
    (0x0A00_0000, 8, "private (10.0.0.0/8)"),
    (0x6440_0000, 10, "shared address space (CGNAT, 100.64.0.0/10)"),
    (0xA9FE_0000, 16, "link-local (169.254.0.0/16, cloud metadata)"),
    (0xAC10_0000, 12, "private (172.16.0.0/12)"),
    (0xC000_0000, 24, "IETF protocol assignments (192.0.0.0/24)"),
    (0xC000_0200, 24, "documentation (192.0.2.0/24)"),
    (0xC058_6300, 24, "6to4 relay anycast (192.88.99.0/24)"),
    (0xC0A8_0000, 16, "private (192.168.0.0/16)"),
    (0xC612_0000, 15, "benchmarking (198.18.0.0/15)"),
    (0xC633_6400, 24, "documentation (198.51.100.0/24)"),
    (0xCB00_7100, 24, "documentation (203.0.113.0/24)"),
    (0xE000_0000, 4, "multicast (224.0.0.0/4)"),
    (0xF000_0000, 4, "reserved or broadcast (240.0.0.0/4)"),
    (0xA83F_8110, 32, "cloud metadata (168.63.129.16)"),
  ]

  private static func classify(v4 value: UInt32) -> Verdict {
    if value >> 24 == 127 { return .loopback }
    for range in v4Ranges where value >> (32 - range.length) == range.prefix >> (32 - range.length) {
      return .refused(range.reason)
    }
    return .global
  }

  private static func classify(v6 b: [UInt8]) -> Verdict {
    let embedded = UInt32(b[12]) << 24 | UInt32(b[13]) << 16 | UInt32(b[14]) << 8 | UInt32(b[15])
    let firstTen = b[0..<10].allSatisfy { $0 == 0 }
    if firstTen && b[10] == 0 && b[11] == 0 {
      if embedded == 0 { return .refused("unspecified (::)") }
      if embedded == 1 { return .loopback }
      return .refused("IPv4-compatible IPv6 (::/96, deprecated)")
    }
    if firstTen && b[10] == 0xFF && b[11] == 0xFF { return classify(v4: embedded) }  // ::ffff:a.b.c.d
    /// An IPv6 form that reaches an IPv4 address: only as good as that address, loopback included.
    func carrying(_ v4: UInt32, _ form: String) -> Verdict {
      classify(v4: v4) == .global ? .global : .refused("\(form) of a non-global IPv4 address")
    }
    if b[0..<4] == [0x00, 0x64, 0xFF, 0x9B] {
      return b[4..<12].allSatisfy { $0 == 0 }
        ? carrying(embedded, "NAT64 (64:ff9b::/96)") : .refused("local-use NAT64 (64:ff9b:1::/48)")
    }
    switch (b[0], b[1]) {
    case (0xFC...0xFD, _): return .refused("unique local (fc00::/7)")
    case (0xFE, 0x80...0xBF): return .refused("link-local (fe80::/10)")
    case (0xFE, 0xC0...0xFF): return .refused("site-local (fec0::/10, deprecated)")
    case (0xFF, _): return .refused("multicast (ff00::/8)")
    case (0x20, 0x01) where b[2] < 0x02:
      return .refused("IETF protocol assignments and Teredo (2001::/23)")
    case (0x20, 0x01) where b[2] == 0x0D && b[3] == 0xB8:
      return .refused("documentation (2001:db8::/32)")
    case (0x20, 0x02):
      return carrying(
        UInt32(b[2]) << 24 | UInt32(b[3]) << 16 | UInt32(b[4]) << 8 | UInt32(b[5]),
        "6to4 (2002::/16)")
    case (0x3F, 0xFF) where b[2] < 0x10: return .refused("documentation (3fff::/20)")
    case (0x20...0x3F, _): return .global
    default: return .refused("not global unicast (outside 2000::/3)")
    }
  }
}
