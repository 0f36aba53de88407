import Foundation

/// Where a sign-in may send a browser back to (RFC 6749 section 3.1.2, RFC 8252 sections 7.1 and
/// 7.3, the OAuth 2.0 Security BCP). A registered redirect URI ends up in a `Location` header, so
/// anything a browser would run or read locally (`javascript:`, `data:`, `vbscript:`, `file:`) is
/// an attack, and so are fragments (the client's parameters would land beside someone else's) and
/// userinfo (`https://trusted@evil.example` reads as trusted). What is allowed:
/// - `https` with a host;
/// - `http` to the loopback interface, outside production only, decided by the parsed address
///   (`127.0.0.0/8`, `::1`) or the name `localhost` (RFC 6761 reserves it for loopback), never by
///   a prefix (`http://127.attacker.example` is somebody's server);
/// - a native app's private-use scheme in reverse-domain form with at least one dot
///   (`com.example.app:/callback`), which only the app that owns the domain should claim.
public enum RedirectURIRule {
  /// nil when `uri` may be registered and redirected to; otherwise what is wrong with it.
  public static func refusal(_ uri: String, loopbackHTTP: Bool) -> String? {
    guard (1...2048).contains(uri.utf8.count), uri.unicodeScalars.allSatisfy({ (0x21..<0x7F).contains($0.value) }) else {
      return "has spaces, control characters or non-ASCII characters"
    }
    guard !uri.contains("#") else { return "has a fragment" }
    guard let parts = URLComponents(string: uri), let scheme = parts.scheme?.lowercased() else { return "is not an absolute URI" }
    guard parts.user == nil, parts.password == nil else { return "has a user name or password in it" }
    let host = parts.host.map { $0.hasPrefix("[") && $0.hasSuffix("]") ? String($0.dropFirst().dropLast()) : $0 }
    switch scheme {
    case "https":
      return host?.isEmpty == false ? nil : "has no host"
    case "http":
      guard loopbackHTTP else { return "uses http; only https is allowed in production" }
      guard let host, isLoopback(host) else { return "uses http to a host that is not the loopback address" }
      return nil
    default:
      // RFC 8252 section 7.1: reverse domain name, so at least one dot; RFC 3986 scheme characters.
      guard scheme.contains("."), scheme.wholeMatch(of: /[a-z][a-z0-9+\-]*(\.[a-z0-9+\-]+)+/) != nil else {
        return "uses the scheme \(scheme):, which is neither https nor a private-use scheme such as com.example.app:"
      }
      return nil
    }
  }

  /// `localhost`, or an address literal in 127.0.0.0/8 or ::1, parsed strictly (inet_pton takes
  /// dotted-quad decimal only, so neither `127.1` nor `127.0.0.1.example` passes).
  static func isLoopback(_ host: String) -> Bool {
    if host.lowercased() == "localhost" { return true }
    switch IPAddress(literal: host) {
    case .v4(let value)?: return value >> 24 == 127
    case .v6(let bytes)?: return bytes.dropLast().allSatisfy { $0 == 0 } && bytes.last == 1
    case nil: return false
    }
  }
}

extension RedirectURIRule {
  /// What a page's `Content-Security-Policy: form-action` must name for the browser to follow a
  /// form (or the redirect after one) to `uri`: its origin for http(s), its scheme (`com.example.app:`)
  /// for a native app's private-use scheme. Nil when it is neither.
  public static func formActionSource(_ uri: String) -> String? {
    guard let parts = URLComponents(string: uri), let scheme = parts.scheme?.lowercased() else { return nil }
    guard scheme == "http" || scheme == "https" else { return scheme + ":" }
    guard let host = parts.percentEncodedHost, !host.isEmpty else { return nil }
    return "\(scheme)://\(host)" + (parts.port.map { ":\($0)" } ?? "")
  }
}
