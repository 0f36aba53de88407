// gatehouse-bench: load generator for `make bench`. It drives the running services (over RPC
// with the gateway's own client, or over HTTP through the gateway) and writes what it measured
// into docs/benchmarks.md.
import ArgumentParser
import Foundation
import Logging
import Shared

@main
struct BenchCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "gatehouse-bench",
    abstract: "Measure Gatehouse against the budgets in docs/benchmarks.md.",
    subcommands: [RPCBench.self, RefreshBench.self, LoginBench.self, OpenIDBench.self, PagesBench.self, IdPBench.self, FootprintBench.self])
}
