import Foundation
import Testing

/// deploy/prometheus/alerts.yml through Prometheus's own checker (`GATEHOUSE_PROMTOOL`: `make
/// test` unpacks promtool from Debian's `prometheus` package, scripts/lib/promtool.sh): the rules parse, and `alerts.test.yml`'s series make exactly the
/// alerts it expects fire at the times it names (issue 25, docs/security.md "Signals").
@Suite struct SecurityAlertRulesTests {
  static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("deploy/prometheus")

  func promtool(_ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    let promtool = ProcessInfo.processInfo.environment["GATEHOUSE_PROMTOOL"] ?? "promtool"
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [promtool] + arguments
    process.currentDirectoryURL = Self.folder
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, output)
  }

  @Test func theRulesParseAndFireOnTheRecordedSeries() throws {
    let checked = try promtool(["check", "rules", "alerts.yml"])
    #expect(checked.status == 0, "\(checked.output)")
    #expect(checked.output.contains("5 rules found"), "\(checked.output)")
    let tested = try promtool(["test", "rules", "alerts.test.yml"])
    #expect(tested.status == 0, "\(tested.output)")
  }
}
