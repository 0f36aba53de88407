import Foundation
import Shared

/// A redis-server of a test's own, on a free port, for tests that flush, kill or restart Redis.
final class RedisServerProcess: @unchecked Sendable {
  // @unchecked: `process` is only touched by the test that owns this value, never concurrently.
  let port: Int
  private let directory: URL
  private var process: Process?

  init() throws {
    self.port = try FreePort.find()
    self.directory = TestEnvironment.runDirectory.appendingPathComponent("redis-\(port)-\(UUID().uuidString.prefix(6))")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
  }

  var endpoint: RedisEndpoint { RedisEndpoint(host: "127.0.0.1", port: port) }

  func start() async throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/redis-server")
    process.arguments = [
      "--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
      "--dir", directory.path, "--logfile", directory.appendingPathComponent("redis.log").path,
    ]
    // Never the test runner's own stdout: a server left holding that pipe keeps the run open.
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    process.standardInput = FileHandle.nullDevice
    try process.run()
    self.process = process
    let ready = try await eventually(timeout: .seconds(10)) { FreePort.isListening(self.port) }
    guard ready else { throw TestFailure("redis-server on \(port) did not start") }
  }

  /// SIGKILL: the server vanishes mid-conversation, as in a crash.
  func kill() {
    guard let process else { return }
    Foundation.kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    self.process = nil
  }

  deinit {
    if let process, process.isRunning {
      Foundation.kill(process.processIdentifier, SIGKILL)
    }
  }
}

struct TestFailure: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

enum FreePort {
  /// A port nothing listens on now (the kernel picks it).
  static func find() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
        guard bind(fd, pointer, length) == 0 else { return -1 }
        return getsockname(fd, pointer, &length)
      }
    }
    guard bound == 0 else { throw TestFailure("no free port") }
    return Int(UInt16(bigEndian: address.sin_port))
  }

  static func isListening(_ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
      }
    }
  }
}
