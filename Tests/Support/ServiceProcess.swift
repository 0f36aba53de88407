import Foundation
import Shared
import Testing

/// One of Gatehouse's real executables, started by a test with its own environment.
final class ServiceProcess: @unchecked Sendable {
  // @unchecked: owned by one test; `process` is set once in `start` before any other use.
  let name: String
  let arguments: [String]
  let environment: [String: String]
  let logFile: URL
  private var process: Process?
  /// Set when the test itself ends or expects the end of this process (`signal`, `expectExit`):
  /// then an exit before `stop` is no failure.
  private(set) var exitExpected = false

  init(_ name: String, arguments: [String] = ["serve"], environment: [String: String]) {
    self.name = name
    self.arguments = arguments
    self.environment = environment
    self.logFile = TestEnvironment.runDirectory.appendingPathComponent("\(name)-\(UUID().uuidString.prefix(8)).log")
  }

  /// The environment a Gatehouse process needs to reach the test stores.
  static func environment(redisPort: Int, database: String? = nil, extra: [String: String] = [:]) -> [String: String] {
    let db = TestEnvironment.database()
    var env: [String: String] = [
      "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
      "GATEHOUSE_ENV": "test",
      "GATEHOUSE_PG_HOST": db.host,
      "GATEHOUSE_PG_PORT": "\(db.port)",
      "GATEHOUSE_PG_DATABASE": database ?? db.database,
      "GATEHOUSE_PG_USER": db.username,
      "GATEHOUSE_PG_OWNER_USER": TestEnvironment.database(owner: true).username,
      "GATEHOUSE_REDIS_HOST": "127.0.0.1",
      "GATEHOUSE_REDIS_PORT": "\(redisPort)",
      "GATEHOUSE_AUTO_MIGRATE": "1",
      // Lets scripts/test.sh find and stop this process if the test run is killed.
      "GATEHOUSE_TEST_RUN_DIR": TestEnvironment.runDirectory.path,
      "GATEHOUSE_LOG_LEVEL": "info",
      // The lowest bcrypt cost: tests check behaviour, not hashing strength.
      "GATEHOUSE_BCRYPT_COST": "4",
      // Tests sign in many times from one address; RateLimitTests turns the limits on.
      // No cleanup run at each start: dozens of clusters share the test database, and their
      // runs at once only load it; CleanupTests run it on demand or on a schedule they set.
      "GATEHOUSE_CLEANUP_INTERVAL": "0s",
      "GATEHOUSE_RATE_LIMIT_LOGIN": "off",
      "GATEHOUSE_RATE_LIMIT_LOGIN_USER": "off",
      "GATEHOUSE_RATE_LIMIT_REGISTER": "off",
      "GATEHOUSE_RATE_LIMIT_SOCIAL": "off",
      "GATEHOUSE_RATE_LIMIT_API": "off",
      "GATEHOUSE_RATE_LIMIT_USER": "off",
      "GATEHOUSE_RATE_LIMIT_SP": "off",
      "GATEHOUSE_RATE_LIMIT_REFRESH": "off",
      "GATEHOUSE_RATE_LIMIT_PASSWORD_RESET": "off",
      // A server keeps its whole pool open, and the suites run their clusters side by side
      // on one PostgreSQL (max_connections 200): 3 each, not the default 10.
      "GATEHOUSE_PG_POOL_SIZE": "3",
    ]
    env.merge(extra) { _, new in new }
    return env
  }

  @discardableResult
  func start() throws -> Self {
    let process = Process()
    process.executableURL = TestEnvironment.binDirectory.appendingPathComponent(name)
    process.arguments = arguments
    process.environment = environment
    _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
    let log = try FileHandle(forWritingTo: logFile)
    process.standardOutput = log
    process.standardError = log
    process.standardInput = FileHandle.nullDevice
    try process.run()
    self.process = process
    return self
  }

  var pid: Int32 { process?.processIdentifier ?? 0 }
  var isRunning: Bool { process?.isRunning ?? false }

  /// Sends `signal`; the test that signals a process says by that that it may end.
  func signal(_ signal: Int32) {
    exitExpected = true
    guard let process, process.isRunning else { return }
    kill(process.processIdentifier, signal)
  }

  /// Says that this process may end before `stop` (a test that makes it exit some other way).
  func expectExit() { exitExpected = true }

  /// A server (`serve ...`) runs until it is stopped; a command (`admin ...`, `keys rotate`) ends on its own.
  var isServer: Bool { arguments.first == "serve" }

  /// Waits for the process to exit; returns its status, or nil if it is still running at `timeout`.
  func waitForExit(timeout: Duration) async -> Int32? {
    guard let process else { return nil }
    let end = ContinuousClock.now + timeout
    while process.isRunning && ContinuousClock.now < end {
      try? await Task.sleep(for: .milliseconds(25))
    }
    return process.isRunning ? nil : process.terminationStatus
  }

  var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

  /// SIGTERM, and the expectation every Gatehouse process meets: it finishes what it holds and
  /// exits 0 (a crash on the way out, such as a client never shut down, fails the test).
  /// A server that has already exited fails the test unless the test said it might (`signal`,
  /// `expectExit`): a backend that crashed mid-test must not pass for one that was stopped.
  func stop() async {
    guard let process else { return }
    guard process.isRunning else {
      if isServer && !exitExpected {
        Issue.record(
          "\(name) \(arguments.joined(separator: " ")) exited before the test stopped it (status \(process.terminationStatus)):\n\(log.suffix(3000))"
        )
      }
      return
    }
    signal(SIGTERM)
    // The shutdown grace (8 s) and the cancellation time after it (3 s), and a margin.
    let status = await waitForExit(timeout: .seconds(15))
    if status == nil {
      signal(SIGKILL)
      _ = await waitForExit(timeout: .seconds(2))
    }
    #expect(status == 0, "\(name) did not exit cleanly on SIGTERM (status \(status.map(String.init) ?? "none")):\n\(log.suffix(2000))")
  }

  deinit {
    if let process, process.isRunning { kill(process.processIdentifier, SIGKILL) }
  }
}
