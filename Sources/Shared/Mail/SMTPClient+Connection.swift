import Foundation
import NIOCore
import NIOSSL

extension SMTPClient {
  /// TLS 1.2 or newer with full verification of the server's certificate and name, against the
  /// system's roots plus the CAs in `trustRoots`. Built per send: a CA file rotated by the
  /// operator is read again without a restart, and a send is rare next to a handshake's cost.
  static func tlsContext(trustRoots: String?) throws -> NIOSSLContext {
    var configuration = TLSConfiguration.makeClientConfiguration()
    configuration.minimumTLSVersion = .tlsv12
    configuration.certificateVerification = .fullVerification
    if let trustRoots {
      configuration.additionalTrustRoots = [.certificates(try NIOSSLCertificate.fromPEMFile(trustRoots))]
    }
    return try NIOSSLContext(configuration: configuration)
  }

  /// The name sent in SNI and checked against the certificate; nil for an IP address, which SNI
  /// cannot carry: NIOSSL then checks the certificate against the address connected to.
  static func serverName(_ host: String) -> String? {
    let bare = host.trimmingCharacters(in: ["[", "]"])
    return (try? SocketAddress(ipAddress: bare, port: 0)) == nil ? host : nil
  }

  /// The EHLO argument: the client's own address as an address literal (RFC 5321 §4.1.3), which
  /// is always true, unlike a host name the machine may not have.
  static func ehloName(_ local: SocketAddress?) -> String {
    switch local {
    case .v4(let address)?: "[\(local?.ipAddress ?? address.host)]"
    case .v6?: "[IPv6:\(local?.ipAddress ?? "::1")]"
    default: "[127.0.0.1]"
    }
  }

  /// Runs `body`, cancelling it when `limit` passes first: then `TimeLimitReached` is thrown.
  static func withTimeLimit(_ limit: Duration, _ body: @escaping @Sendable () async throws -> Void) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask { try await body() }
      group.addTask {
        try await Task.sleep(for: limit)
        throw TimeLimitReached()
      }
      defer { group.cancelAll() }
      try await group.next()
    }
  }
}

/// The settings' time limit for one send passed before the send ended.
struct TimeLimitReached: Error {}
