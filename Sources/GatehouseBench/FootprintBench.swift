import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import Shared

/// The two budgets of docs/benchmarks.md that are about the processes rather than a path:
/// each executable's peak memory under the benchmarks' load, and how soon each is ready when
/// started against stores that are already up.
struct FootprintBench: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "footprint", abstract: "Peak RSS under load and start-up time.")

  @Option(name: .customLong("process"), help: "A running executable as NAME=PID (repeat); its peak RSS is read.")
  var processes: [String] = []
  @Option(help: "The benchmark steps that ran before this one, as the load the peaks cover.") var after = ""
  @Option(help: "Folder with the release executables.") var binDir = ProcessInfo.processInfo.environment["GATEHOUSE_BIN_DIR"] ?? ""
  @Option(help: "Starts per executable; the slowest counts.") var starts = 3
  @Option(help: "Markdown file to update.") var out = "docs/benchmarks.md"

  static let memoryBudget = 64 << 20
  static let startBudget = Duration.seconds(1)

  func validate() throws {
    guard starts >= 1 else { throw ValidationError("starts is at least 1") }
    guard !binDir.isEmpty else { throw ValidationError("--bin-dir (or GATEHOUSE_BIN_DIR) names the folder of the executables") }
    for process in processes where Self.parse(process) == nil {
      throw ValidationError("--process is NAME=PID, got '\(process)'")
    }
  }

  func run() async throws {
    let config = try loadConfiguration(service: ServiceName("bench"))
    let logger = Logger(label: "gatehouse.bench")
    let redis = RedisClient(endpoint: config.redis, sharedConnections: 1, logger: logger)
    defer { redis.close() }
    let http = HTTPClient(eventLoopGroupProvider: .singleton)

    var rows: [BenchRow] = []
    for (name, pid) in processes.compactMap(Self.parse) {
      let memory = try Self.memory(pid: pid)
      rows.append(
        BenchRow(
          path: "\(name): peak RSS" + (after.isEmpty ? " (no load before)" : " after the steps \(after)"),
          result: "\(Self.mib(memory.peak)) MiB peak, \(Self.mib(memory.now)) MiB now",
          budget: "< 64 MiB", met: memory.peak < Self.memoryBudget))
    }
    do {
      for executable in Startup.executables {
        var times: [Duration] = []
        for attempt in 1...starts {
          times.append(try await Startup(executable: executable, binDir: binDir, attempt: attempt).measure(redis: redis, http: http))
        }
        let slowest = times.max() ?? .zero
        rows.append(
          BenchRow(
            path: "\(executable): started until ready, stores up (\(starts) starts)",
            result: times.map { "\(ms($0)) ms" }.joined(separator: ", "),
            budget: "< 1 s", met: slowest < Self.startBudget))
      }
      try await http.shutdown()
    } catch {
      try? await http.shutdown()
      throw error
    }
    try BenchReport(file: out).replaceSection(
      "footprint", title: "Memory and start-up of each executable", rows: rows, command: "make bench")
    for row in rows { logger.info("\(row.path): \(row.result) (budget \(row.budget))") }
  }

  static func parse(_ process: String) -> (String, Int32)? {
    let parts = process.split(separator: "=", maxSplits: 1)
    guard parts.count == 2, let pid = Int32(parts[1]) else { return nil }
    return (String(parts[0]), pid)
  }

  /// VmHWM (the most the process has held resident since it started) and VmRSS, in bytes.
  static func memory(pid: Int32) throws -> (peak: Int, now: Int) {
    let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
    func kilobytes(_ field: String) throws -> Int {
      guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }),
        let value = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap({ Int($0) })
      else {
        throw BenchError("no \(field) in /proc/\(pid)/status")
      }
      return value * 1024
    }
    return (try kilobytes("VmHWM"), try kilobytes("VmRSS"))
  }

  static func mib(_ bytes: Int) -> String { String(format: "%.1f", Double(bytes) / 1_048_576) }
}

/// One more instance of an executable, started beside the running stack and stopped again: the
/// time from launch until it serves. A backend serves once its heartbeat puts it in its
/// service's alive set (the gateway sends it RPCs from then on); a gateway, once its `/readyz`
/// answers 200.
private struct Startup {
  static let executables = ["token-service", "social-service", "idp-service", "gateway"]
  static let backends: [String: ServiceName] = ["token-service": .token, "social-service": .social, "idp-service": .idp]

  let executable: String
  let binDir: String
  let attempt: Int

  func measure(redis: RedisClient, http: HTTPClient) async throws -> Duration {
    let instance = "footprint-\(executable)-\(attempt)-\(ProcessInfo.processInfo.processIdentifier)"
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binDir).appendingPathComponent(executable)
    var environment = ProcessInfo.processInfo.environment
    environment["GATEHOUSE_INSTANCE_ID"] = instance
    let port = executable == "gateway" ? try freePort() : 0
    if executable == "gateway" {
      environment["GATEHOUSE_HTTP_PORT"] = String(port)
      process.arguments = ["serve"]
    } else {
      process.arguments = ["serve", "--metrics-port", "0"]
    }
    process.environment = environment
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice

    let started = ContinuousClock.now
    try process.run()
    defer { stop(process) }
    while ContinuousClock.now - started < .seconds(30) {
      guard process.isRunning else { throw BenchError("\(executable) exited with status \(process.terminationStatus) while starting") }
      if try await ready(instance: instance, port: port, redis: redis, http: http) { return ContinuousClock.now - started }
      try await Task.sleep(for: .milliseconds(2))
    }
    throw BenchError("\(executable) was not ready after 30 s")
  }

  private func ready(instance: String, port: Int, redis: RedisClient, http: HTTPClient) async throws -> Bool {
    if let service = Self.backends[executable] {
      return try await !redis.send(RedisCommand("ZSCORE", .string(service.aliveKey), .string(instance))).isNull
    }
    var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/readyz")
    request.method = .GET
    guard let response = try? await http.execute(request, timeout: .seconds(2)) else { return false }
    _ = try? await response.body.collect(upTo: 1 << 16)
    return response.status == .ok
  }

  /// SIGTERM, then the process's own graceful stop; it leaves the alive set as it goes.
  private func stop(_ process: Process) {
    guard process.isRunning else { return }
    process.terminate()
    process.waitUntilExit()
  }

  /// A port nobody listens on now: the kernel's pick for a socket bound to port 0.
  private func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw BenchError("no socket for a free port") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
        bind(fd, generic, length) == 0 && getsockname(fd, generic, &length) == 0
      }
    }
    guard bound else { throw BenchError("could not bind a socket to port 0") }
    return Int(UInt16(bigEndian: address.sin_port))
  }
}
