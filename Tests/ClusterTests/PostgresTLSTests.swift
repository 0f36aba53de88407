import Foundation
import PostgresNIO
import Testing

@testable import Shared
@testable import TestSupport

/// PostgreSQL over TLS (issue 24, docs/plumbing.md "The PostgreSQL pool"): a managed database
/// that refuses plain connections. Here a server of the test's own, with a certificate from a CA
/// of the test's own, accepts TLS connections only.
///
/// Caught on the code before: the client hard-coded `tls: .disable`, so no executable could
/// connect to such a server at all (the cluster never became ready).
// 10 minutes: the limit counts the wait for a cluster permit, which CI's exclusive fault tests
// (DatabaseRestartTests, 5 minutes) can hold; the test itself takes about 30 s.
@Suite(.serialized, .timeLimit(.minutes(10))) struct PostgresTLSTests {
  @Test func everyExecutableServesFromADatabaseThatSpeaksOnlyTLS() async throws {
    let folder = TestEnvironment.runDirectory.appendingPathComponent("pg-tls-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let certificates = try TestCertificates(in: folder)
    let otherFolder = folder.appendingPathComponent("other")
    try FileManager.default.createDirectory(at: otherFolder, withIntermediateDirectories: true)
    let strangers = try TestCertificates(in: otherFolder)
    let postgres = try PostgresServerProcess(tlsDirectory: folder)
    try await postgres.start()
    try await postgres.whileRunning {
      // The modes, from this process: plain is refused, a CA that did not sign the server's
      // certificate is refused by verify-full, require and verify-full with the right CA connect.
      // (A refused connection is retried by the pool: 10 s without an answer is a refusal.)
      func connects(_ tls: DatabaseTLS) async -> Bool {
        let endpoint = postgres.endpoint().with(tls: tls)
        return await withTaskGroup(of: Bool.self) { group in
          group.addTask {
            (try? await withPostgres(endpoint) { client in try await client.ping(logger: TestEnvironment.logger) }) != nil
          }
          group.addTask {
            try? await Task.sleep(for: .seconds(10))
            return false
          }
          let first = await group.next() ?? false
          group.cancelAll()
          return first
        }
      }
      #expect(await connects(.disable) == false, "the server takes TLS connections only")
      #expect(await connects(.verifyFull(caFile: strangers.caFile)) == false, "a certificate from another CA is refused")
      #expect(await connects(.require))
      #expect(await connects(.verifyFull(caFile: certificates.caFile)))

      // The executables, with verify-full and the CA: they migrate, serve, and a person signs in.
      var environment = postgres.environment
      environment["GATEHOUSE_PG_TLS"] = "verify-full"
      environment["GATEHOUSE_PG_CA_FILE"] = certificates.caFile
      environment["GATEHOUSE_PG_STATEMENT_TIMEOUT_MS"] = "30000"
      environment["GATEHOUSE_PG_LOCK_TIMEOUT_MS"] = "10000"
      try await withCluster(environment: environment) { cluster in
        #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
        let account = try await cluster.api.makeAccount()
        let signedIn = try await cluster.api.login(account)
        #expect(signedIn.status == 200, "\(signedIn.body)")
        // (Every connection that served this was TLS: the server refuses any other, as above.)
      }
    }
  }
}

extension DatabaseEndpoint {
  func with(tls: DatabaseTLS) -> DatabaseEndpoint {
    var endpoint = self
    endpoint.tls = tls
    return endpoint
  }
}
