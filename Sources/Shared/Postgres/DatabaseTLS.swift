import Foundation
import NIOSSL
import PostgresNIO

/// How a connection to PostgreSQL is protected (`GATEHOUSE_PG_TLS`, docs/plumbing.md, "The
/// PostgreSQL pool"): `disable` (a local cluster on loopback), `require` (encrypted, the server's
/// certificate not checked: a managed database whose CA is not at hand), `verify-full` (encrypted,
/// the certificate checked against the system's roots plus `GATEHOUSE_PG_CA_FILE`, and its name
/// against the host).
public enum DatabaseTLS: Sendable, Equatable {
  case disable
  case require
  case verifyFull(caFile: String?)

  public static func load(_ settings: Settings) throws(ConfigurationError) -> DatabaseTLS {
    let caFile = settings.string("GATEHOUSE_PG_CA_FILE")
    switch settings.string("GATEHOUSE_PG_TLS", default: "disable") {
    case "disable": return .disable
    case "require": return .require
    case "verify-full":
      if let caFile, !FileManager.default.isReadableFile(atPath: caFile) {
        throw ConfigurationError(name: "GATEHOUSE_PG_CA_FILE", problem: "cannot read \(caFile)")
      }
      return .verifyFull(caFile: caFile)
    case let other:
      throw ConfigurationError(name: "GATEHOUSE_PG_TLS", problem: "expected disable, require or verify-full, got '\(other)'")
    }
  }

  /// postgres-nio's setting for this mode. A CA file that no longer parses is the connection's
  /// error (the pool retries), never a crash.
  func clientTLS() -> PostgresClient.Configuration.TLS {
    switch self {
    case .disable:
      return .disable
    case .require:
      var configuration = TLSConfiguration.makeClientConfiguration()
      configuration.certificateVerification = .none
      return .require(configuration)
    case .verifyFull(let caFile):
      var configuration = TLSConfiguration.makeClientConfiguration()
      configuration.certificateVerification = .fullVerification
      if let caFile, let roots = try? NIOSSLCertificate.fromPEMFile(caFile) {
        configuration.additionalTrustRoots = [.certificates(roots)]
      }
      return .require(configuration)
    }
  }
}
