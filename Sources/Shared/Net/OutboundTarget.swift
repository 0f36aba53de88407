import Foundation

/// Why a URL is not one Gatehouse will connect to. `reason` is for the person who set the URL
/// (at creation) and for the operator's log; an SP's owner sees only "refused by address policy"
/// when a send is refused (`OutboundFailure`).
public struct OutboundRefusal: Error, Sendable, Equatable {
  public let reason: String
}

/// A URL checked against an `OutboundAddressPolicy`, with the address to connect to: one of the
/// addresses its host had when it was checked, all of which passed.
public struct OutboundTarget: Sendable, Equatable {
  /// The host as the HTTP client reads it from the URL (IPv6 without brackets): the name the
  /// connection is pinned for, and the TLS server name.
  public let host: String
  public let address: IPAddress
  /// The host is an address: there is no name to pin (`localhost` is a name, pinned to 127.0.0.1).
  public let isLiteral: Bool
}

extension OutboundAddressPolicy {
  /// Parses `text`, resolves its host (every address), and checks the scheme and each address:
  /// https to global addresses; loopback (when allowed) only for a host written as a loopback
  /// address or `localhost`, over http or https; never a name that resolves to loopback, nor an
  /// IPv4 address in a legacy form (`2130706433`, `0x7f.1`).
  public func check(_ text: String, resolver: HostResolver = .system) async throws(OutboundRefusal)
    -> OutboundTarget
  {
    guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let raw = url.host,
      !raw.isEmpty
    else {
      throw OutboundRefusal(reason: "not an absolute URL")
    }
    guard scheme == "https" || scheme == "http" else {
      throw OutboundRefusal(reason: "only https URLs are allowed")
    }
    guard url.user == nil, url.password == nil else {
      throw OutboundRefusal(reason: "a URL with credentials in it is not allowed")
    }
    let host = raw.hasPrefix("[") && raw.hasSuffix("]") ? String(raw.dropFirst().dropLast()) : raw
    let name = host.lowercased()
    let literal: IPAddress? =
      name == "localhost" || name == "localhost." ? .v4(0x7F00_0001) : IPAddress(literal: host)
    if literal == nil, IPAddress.isLegacyIPv4(host) {
      throw OutboundRefusal(reason: "an IPv4 address must be written as four decimal numbers")
    }
    // For a name, one answer whether it does not resolve or resolves somewhere refused: the
    // reason is shown to whoever set the URL, and must not tell them what internal names exist.
    let unresolved = OutboundRefusal(
      reason: "the host name does not resolve to public addresses only")
    let addresses: [IPAddress]
    if let literal {
      addresses = [literal]
    } else {
      do { addresses = try await resolver.addresses(of: host) } catch { throw unresolved }
    }
    var loopback = false
    for address in addresses {
      switch Self.classify(address) {
      case .global:
        continue
      case .loopback where literal != nil && allowsLoopback:
        loopback = true
      case .loopback where literal != nil:
        throw OutboundRefusal(
          reason: "a loopback address is allowed only when GATEHOUSE_ENV is local or test")
      case .refused(let why) where literal != nil:
        throw OutboundRefusal(reason: "\(address) is not a public address: \(why)")
      case .loopback, .refused:
        throw unresolved
      }
    }
    guard scheme == "https" || loopback else {
      throw OutboundRefusal(
        reason:
          "only https URLs are allowed (http only to this machine when GATEHOUSE_ENV is local or test)"
      )
    }
    return OutboundTarget(
      host: host, address: addresses[0], isLiteral: IPAddress(literal: host) != nil)
  }
}
