// gatehouse-bench: load generator for `make bench`. It drives the running services with the same
// RPC client the gateway uses and writes what it measured into docs/benchmarks.md.
import ArgumentParser
import Foundation
import Logging
import Shared

@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gatehouse-bench",
        abstract: "Measure Gatehouse against the budgets of DESIGN.md section 11.",
        subcommands: [RPCBench.self])
}

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

        for _ in 0..<200 { _ = try await rpc.call(.ping(.token), request) }   // warm-up

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
            BenchRow(path: "RPC round trip, idle (\(idleCalls) sequential calls)",
                     result: "p50 \(ms(percentile(idle, 0.50))) ms, p99 \(ms(percentile(idle, 0.99))) ms",
                     budget: "p50 < 0.5 ms", met: percentile(idle, 0.50) < .microseconds(500)),
            BenchRow(path: "RPC throughput (\(loaded.count) calls, \(concurrency) in flight)",
                     result: "\(Int(throughput)) calls/s, p50 \(ms(percentile(loaded, 0.50))) ms, p99 \(ms(percentile(loaded, 0.99))) ms",
                     budget: "≥ 10,000 calls/s", met: throughput >= 10_000),
        ]
        try BenchReport(file: out).replaceSection("rpc", title: "RPC round trip (gateway's RPC client → token-service → reply)", rows: rows,
                                                  command: "make bench")
        for row in rows { logger.info("\(row.path): \(row.result) (budget \(row.budget))") }
    }

    private func percentile(_ samples: [Duration], _ p: Double) -> Duration {
        let sorted = samples.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
    }

    private func ms(_ d: Duration) -> String { String(format: "%.3f", d.fractionalMilliseconds) }
}

struct BenchRow {
    let path: String
    let result: String
    let budget: String
    let met: Bool
}

/// Keeps docs/benchmarks.md as sections between markers, so each bench replaces only its own.
struct BenchReport {
    let file: String

    func replaceSection(_ name: String, title: String, rows: [BenchRow], command: String) throws {
        let begin = "<!-- bench:\(name):begin -->"
        let end = "<!-- bench:\(name):end -->"
        let machine = "\(ProcessInfo.processInfo.activeProcessorCount) cores, \(ProcessInfo.processInfo.physicalMemory / 1_073_741_824) GiB"
        var section = "\(begin)\n### \(title)\n\nMeasured \(ISO8601DateFormatter().string(from: Date())) on \(machine), release build, "
        section += "everything on one machine, with `\(command)`.\n\n| path | measured | budget | met |\n|---|---|---|---|\n"
        for row in rows { section += "| \(row.path) | \(row.result) | \(row.budget) | \(row.met ? "yes" : "no") |\n" }
        section += "\(end)"
        var text = (try? String(contentsOfFile: file, encoding: .utf8))
            ?? "# Benchmarks\n\nWritten by `make bench` (scripts/bench.sh); each section is replaced by the run that measures it.\n"
        if let lower = text.range(of: begin), let upper = text.range(of: end), lower.lowerBound < upper.upperBound {
            text.replaceSubrange(lower.lowerBound..<upper.upperBound, with: section)
        } else {
            text += "\n\(section)\n"
        }
        try text.write(toFile: file, atomically: true, encoding: .utf8)
    }
}
