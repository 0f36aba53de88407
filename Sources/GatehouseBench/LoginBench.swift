import ArgumentParser
import Foundation
import HummingbirdBcrypt
import Logging
import Shared

/// Password sign-in through the gateway against the bound bcrypt sets: with every core hashing,
/// no more than cores ÷ (one comparison's time) sign-ins per second are possible.
struct LoginBench: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "login", abstract: "Password sign-in through the gateway.")

  @Option(help: "The gateway's base URL.") var url = ProcessInfo.processInfo.environment["GATEHOUSE_BENCH_URL"] ?? "http://127.0.0.1:8090"
  @Option(help: "Sign-ins in flight.") var concurrency = 16
  @Option(help: "Seconds of load.") var seconds = 15
  @Option(help: "Markdown file to update.") var out = "docs/benchmarks.md"
  @Option(help: "Wrong passwords timed for an existing account and for an unknown name, each.") var timingPairs = 60

  func run() async throws {
    let logger = Logger(label: "gatehouse.bench")
    let cost = UInt8(try Settings.fromEnvironment().int("GATEHOUSE_BCRYPT_COST", default: 12, range: 4...31))
    // One comparison's time at the services' cost, on an idle machine: the median of a few.
    let password = "Bench-password-1"
    let hash = Bcrypt.hash(password, cost: cost)
    var single: [Duration] = []
    for _ in 0..<7 {
      let start = ContinuousClock.now
      _ = Bcrypt.verify(password, hash: hash)
      single.append(ContinuousClock.now - start)
    }
    let oneHash = percentile(single, 0.5)
    let cores = ProcessInfo.processInfo.activeProcessorCount
    let bound = Double(cores) / (oneHash.fractionalMilliseconds / 1000)

    let (samples, errors, elapsed, timing) = try await withGateway(url) { gateway in
      // One person per worker: one account from one address may have only a few attempts
      // in flight at once (the sign-in throttle, docs/security.md).
      var people: [String] = []
      for _ in 0..<concurrency { people.append(try await gateway.registerUser(password: password)) }
      let (samples, errors, elapsed) = await runLoad(workers: people, for: .seconds(seconds)) { user in
        (try? await gateway.login(user, password: password).status) == 200
      }
      return (samples, errors, elapsed, try await WrongPasswordTiming(gateway: gateway, pairs: timingPairs).row())
    }
    let rate = Double(samples.count) / (elapsed.fractionalMilliseconds / 1000)
    let share = rate / bound
    let rows = [
      BenchRow(
        path: "POST /api/v1/auth/login, bcrypt cost \(cost), \(concurrency) in flight for \(seconds) s",
        result: "\(String(format: "%.1f", rate)) sign-ins/s = \(Int(share * 100))% of the bound \(String(format: "%.1f", bound))/s "
          + "(\(cores) cores ÷ \(ms(oneHash)) ms per comparison), "
          + "p50 \(ms(percentile(samples, 0.50))) ms, p99 \(ms(percentile(samples, 0.99))) ms, \(errors) errors",
        budget: "≥ 90% of the bound", met: share >= 0.9 && errors == 0),
      timing,
    ]
    try BenchReport(file: out).replaceSection("login", title: "Password sign-in (bcrypt-bound)", rows: rows, command: "make bench")
    for row in rows { logger.info("\(row.path): \(row.result) (budget \(row.budget))") }
  }
}
