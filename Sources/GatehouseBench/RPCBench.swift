import ArgumentParser
import Foundation
import Logging
import Shared

struct RPCBench: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "rpc", abstract: "RPC round trip: idle latency and throughput.")

  @Option(help: "Sequential calls for the idle latency.") var idleCalls = 2000
  @Option(help: "Calls for the throughput run.") var calls = 50000
  @Option(help: "Calls in flight during the throughput run.") var concurrency = 64
  @Option(help: "Markdown file to update.") var out = "docs/benchmarks.md"

  func run() async throws {
    let config = try loadConfiguration(service: ServiceName("bench"))
    let logger = Logger(label: "gatehouse.bench")
    let redis = RedisClient(endpoint: config.redis, sharedConnections: config.redisConnections, logger: logger)
    let rpc = RPCClient(redis: redis, instanceID: config.instanceID, logger: logger)
    let subscriber = Task { try await redis.run() }
    defer { subscriber.cancel() }
    try await rpc.start()
    let request = PingRequest(skipPostgres: true)

    for _ in 0..<200 { _ = try await rpc.call(.ping(.token), request) }  // warm-up

    var idle: [Duration] = []
    idle.reserveCapacity(idleCalls)
    for _ in 0..<idleCalls {
      let start = ContinuousClock.now
      _ = try await rpc.call(.ping(.token), request)
      idle.append(ContinuousClock.now - start)
    }

    let perWorker = calls / concurrency
    let started = ContinuousClock.now
    let loaded: [Duration] = try await withThrowingTaskGroup(of: [Duration].self) { group in
      for _ in 0..<concurrency {
        group.addTask {
          var samples: [Duration] = []
          samples.reserveCapacity(perWorker)
          for _ in 0..<perWorker {
            let start = ContinuousClock.now
            _ = try await rpc.call(.ping(.token), request)
            samples.append(ContinuousClock.now - start)
          }
          return samples
        }
      }
      var all: [Duration] = []
      for try await samples in group { all += samples }
      return all
    }
    let elapsed = ContinuousClock.now - started
    let throughput = Double(loaded.count) / (elapsed.fractionalMilliseconds / 1000)

    let rows = [
      BenchRow(
        path: "RPC round trip, idle (\(idleCalls) sequential calls)",
        result: "p50 \(ms(percentile(idle, 0.50))) ms, p99 \(ms(percentile(idle, 0.99))) ms",
        budget: "p50 < 0.5 ms", met: percentile(idle, 0.50) < .microseconds(500)),
      BenchRow(
        path: "RPC throughput (\(loaded.count) calls, \(concurrency) in flight)",
        result: "\(Int(throughput)) calls/s, p50 \(ms(percentile(loaded, 0.50))) ms, p99 \(ms(percentile(loaded, 0.99))) ms",
        budget: "≥ 10,000 calls/s", met: throughput >= 10_000),
    ]
    try BenchReport(file: out).replaceSection(
      "rpc", title: "RPC round trip (gateway's RPC client → token-service → reply)", rows: rows,
      command: "make bench")
    for row in rows { logger.info("\(row.path): \(row.result) (budget \(row.budget))") }
  }

}
