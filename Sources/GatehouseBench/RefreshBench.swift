import ArgumentParser
import Foundation
import Logging
import Shared

/// Refresh-token rotation through the gateway: many sessions, each rotating its own refresh
/// token as fast as it can. Every rotation is durable: one PostgreSQL transaction (fsync on)
/// with its audit row, committed before the answer.
struct RefreshBench: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "refresh", abstract: "Refresh-token rotation through the gateway.")

  @Option(help: "The gateway's base URL.") var url = ProcessInfo.processInfo.environment["GATEHOUSE_BENCH_URL"] ?? "http://127.0.0.1:8090"
  @Option(help: "Sessions rotating at once.") var sessions = 64
  @Option(help: "Seconds of load.") var seconds = 15
  @Option(help: "Markdown file to update.") var out = "docs/benchmarks.md"

  func run() async throws {
    let logger = Logger(label: "gatehouse.bench")
    let (samples, errors, elapsed) = try await withGateway(url) { gateway in
      let password = "Bench-password-1"
      let username = try await gateway.registerUser(password: password)
      // One sign-in per session, a few at a time (each costs a bcrypt comparison).
      var tokens: [String] = []
      while tokens.count < sessions {
        try await withThrowingTaskGroup(of: String.self) { group in
          // At most four at once: one account from one address may have only five attempts in flight (docs/security.md).
          for _ in 0..<min(4, sessions - tokens.count) {
            group.addTask {
              let answer = try await gateway.login(username, password: password)
              guard let token = answer.json["refresh_token"] as? String else { throw BenchError("login answered \(answer.status)") }
              return token
            }
          }
          for try await token in group { tokens.append(token) }
        }
      }
      return await runLoad(workers: tokens, for: .seconds(seconds)) { token in
        guard let answer = try? await gateway.post("/api/v1/auth/refresh", ["refresh_token": token]), answer.status == 200,
          let next = answer.json["refresh_token"] as? String
        else { return false }
        token = next
        return true
      }
    }
    let rate = Double(samples.count) / (elapsed.fractionalMilliseconds / 1000)
    let rows = [
      BenchRow(
        path: "POST /api/v1/auth/refresh, \(sessions) sessions rotating for \(seconds) s",
        result:
          "\(Int(rate)) rotations/s, p50 \(ms(percentile(samples, 0.50))) ms, p99 \(ms(percentile(samples, 0.99))) ms, \(errors) errors",
        budget: "≥ 2,000/s", met: rate >= 2000 && errors == 0)
    ]
    try BenchReport(file: out).replaceSection(
      "refresh", title: "Refresh-token rotation (durable: PostgreSQL with fsync, one transaction and audit row each)", rows: rows,
      command: "make bench")
    for row in rows { logger.info("\(row.path): \(row.result) (budget \(row.budget))") }
  }
}
