import Foundation
import Shared

/// Who the passkeys are for (docs/passkeys.md): the RP ID is the issuer's host unless
/// `GATEHOUSE_PASSKEY_RP_ID` names a registrable domain above it; a ceremony may run on the
/// issuer's own origin (the hosted pages) and on each of the service's allowed origins that lies
/// within the RP ID (its apps' pages on the same site).
struct PasskeyRelyingParty: Sendable {
  let rpID: String
  let issuerOrigin: String

  static func load(issuer: String, _ settings: Settings = .fromEnvironment()) throws(ConfigurationError) -> PasskeyRelyingParty {
    guard let url = URL(string: issuer), let scheme = url.scheme, let host = url.host else {
      throw ConfigurationError(name: "GATEHOUSE_ISSUER", problem: "expected a URL with a host")
    }
    let origin = "\(scheme)://\(host)" + (url.port.map { ":\($0)" } ?? "")
    let rpID = settings.string("GATEHOUSE_PASSKEY_RP_ID")?.lowercased() ?? host.lowercased()
    guard Self.within(host: host.lowercased(), rpID: rpID) else {
      throw ConfigurationError(name: "GATEHOUSE_PASSKEY_RP_ID", problem: "must be the issuer's host or a domain above it")
    }
    return PasskeyRelyingParty(rpID: rpID, issuerOrigin: origin)
  }

  /// The origins a ceremony of `service` may run on.
  func origins(for service: ServiceRecord) -> [String] {
    [issuerOrigin]
      + service.allowedOrigins.filter { origin in
        URL(string: origin)?.host.map { Self.within(host: $0.lowercased(), rpID: rpID) } ?? false
      }
  }

  /// `host` is the RP ID or a subdomain of it.
  static func within(host: String, rpID: String) -> Bool { host == rpID || host.hasSuffix("." + rpID) }
}
