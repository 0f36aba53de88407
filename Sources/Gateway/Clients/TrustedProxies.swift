// Clients/: who is calling: the client's address behind trusted proxies, and its origin (CORS).
import Shared

/// `GATEHOUSE_TRUSTED_PROXIES`: the peers (a comma-separated list of CIDR blocks or addresses)
/// whose `X-Forwarded-For` is believed. Empty by default: the TCP peer is the client.
struct TrustedProxies: Sendable {
  let blocks: [CIDRBlock]

  init(settings: Settings = .fromEnvironment()) throws(ConfigurationError) {
    let text = settings.string("GATEHOUSE_TRUSTED_PROXIES") ?? ""
    var blocks: [CIDRBlock] = []
    for item in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
      guard let block = CIDRBlock(item) else {
        throw ConfigurationError(name: "GATEHOUSE_TRUSTED_PROXIES", problem: "'\(item)' is not an IP address or CIDR block")
      }
      blocks.append(block)
    }
    self.blocks = blocks
  }

  func trusts(_ address: String) -> Bool {
    guard !blocks.isEmpty, let bytes = IPAddress.bytes(address) else { return false }
    return blocks.contains { $0.contains(bytes) }
  }

  /// The client's address: the peer, unless the peer is a trusted proxy; then the nearest
  /// address in `X-Forwarded-For` that is not itself a trusted proxy (proxies append, so the
  /// entries on the right are the ones our own proxies wrote; those on the left the client
  /// could have forged).
  func clientAddress(peer: String?, forwardedFor: [String]) -> String? {
    guard let peer, trusts(peer) else { return peer }
    let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
    var client = peer
    for hop in hops.reversed() {
      guard IPAddress.bytes(hop) != nil else { break }
      client = hop
      if !trusts(hop) { break }
    }
    return client
  }
}

/// An address block: `10.0.0.0/8`, `2001:db8::/32`, or one address.
struct CIDRBlock: Sendable {
  let network: [UInt8]
  let prefixLength: Int

  init?(_ text: String) {
    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count <= 2, let network = IPAddress.bytes(String(parts[0])) else { return nil }
    let length = parts.count == 2 ? Int(parts[1]) : network.count * 8
    guard let length, (0...network.count * 8).contains(length) else { return nil }
    self.network = network
    self.prefixLength = length
  }

  func contains(_ address: [UInt8]) -> Bool {
    guard address.count == network.count else { return false }
    var remaining = prefixLength
    for (a, n) in zip(address, network) where remaining > 0 {
      let bits = min(8, remaining)
      let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
      guard a & mask == n & mask else { return false }
      remaining -= bits
    }
    return true
  }
}

extension IPAddress {
  /// 4 bytes for IPv4 (and IPv4-mapped IPv6), 16 for IPv6; nil when it is not an address.
  static func bytes(_ text: String) -> [UInt8]? { IPAddress(literal: text)?.bytes }
}
