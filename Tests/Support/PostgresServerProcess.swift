import Foundation
import Shared

/// A PostgreSQL server of a test's own (scripts/stores.sh, as `make run` starts one), on a free
/// port, for tests that restart or stop it under load. Roles and database as the test stores.
final class PostgresServerProcess: Sendable {
  let port: Int
  let directory: URL
  /// A folder with `server.pem` and `server.key` (`TestCertificates`): the server then accepts TLS connections only.
  let tlsDirectory: URL?

  init(tlsDirectory: URL? = nil) throws {
    self.port = try FreePort.find()
    self.directory = TestEnvironment.runDirectory.appendingPathComponent("pg-\(port)-\(UUID().uuidString.prefix(6))")
    self.tlsDirectory = tlsDirectory
  }

  var environment: [String: String] { ["GATEHOUSE_PG_PORT": "\(port)", "GATEHOUSE_PG_DATABASE": "gatehouse"] }

  func endpoint(owner: Bool = false, poolSize: Int = 4) -> DatabaseEndpoint {
    var endpoint = TestEnvironment.database(owner: owner, name: "gatehouse")
    endpoint.port = port
    endpoint.poolSize = poolSize
    return endpoint
  }

  func start() async throws { try await stores("pg-start", "--no-fsync", directory.path, "\(port)") }

  /// `pg_ctl restart -m fast`; returns once the server accepts connections again.
  func restart() async throws { try await stores("pg-restart", directory.path) }

  func stop() async throws { try await stores("pg-stop", directory.path) }

  /// Stops the server and deletes its cluster.
  func destroy() async { try? await stores("destroy", directory.path) }

  /// Runs scripts/stores.sh; its output goes to a file, not a pipe: the server it starts keeps
  /// a pipe's write end open, and reading it to its end would wait for the server to exit.
  private func stores(_ arguments: String...) async throws {
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let outputFile = directory.appendingPathComponent("stores-\(arguments[0]).out")
    _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
    let output = try FileHandle(forWritingTo: outputFile)
    defer { try? output.close() }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = [Self.script.path] + arguments
    process.standardOutput = output
    process.standardError = output
    process.standardInput = FileHandle.nullDevice
    if let tlsDirectory {
      process.environment = ProcessInfo.processInfo.environment.merging(["GATEHOUSE_PG_TLS_DIR": tlsDirectory.path]) { _, new in new }
    }
    try process.run()
    // Reaped here: Foundation left this script a zombie once the server it started was up
    // (neither waitUntilExit nor isRunning ever saw it end).
    var status: Int32 = 0
    while waitpid(process.processIdentifier, &status, WNOHANG) == 0 { try await Task.sleep(for: .milliseconds(20)) }
    guard status == 0 else {
      let printed = (try? String(contentsOf: outputFile, encoding: .utf8)) ?? ""
      throw TestFailure("stores.sh \(arguments.joined(separator: " ")) failed:\n\(printed)")
    }
  }

  private static let script = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("scripts/stores.sh")
}

extension PostgresServerProcess {
  /// Runs `body`, then deletes the server whatever `body` did.
  func whileRunning(_ body: () async throws -> Void) async throws {
    do {
      try await body()
    } catch {
      await destroy()
      throw error
    }
    await destroy()
  }
}
