import ArgumentParser
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Shared

/// The admin console's heaviest pages rendered on the server (docs/pages.md), offered at a set
/// rate (an open loop: people arrive whatever the pace of the answers): the audit log with 50
/// rows, a service's page with its chart and members, and (after the idp step) a provider's
/// transactions, 50 rows. Signed in as the console is, with a
/// token of its service in the console's cookie.
struct PagesBench: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "pages", abstract: "Admin console pages rendered at a set rate.")

  @Option(help: "The gateway's base URL.") var url = ProcessInfo.processInfo.environment["GATEHOUSE_BENCH_URL"] ?? "http://127.0.0.1:8090"
  @Option(help: "A SUPER_ADMIN's username.") var username: String
  @Option(help: "The service whose page is rendered.") var service: String
  @Option(help: "Pages offered per second.") var rate = 200
  @Option(help: "Seconds of load per page.") var seconds = 15
  @Option(help: "Markdown file to update.") var out = "docs/benchmarks.md"

  func run() async throws {
    let logger = Logger(label: "gatehouse.bench")
    let password = ProcessInfo.processInfo.environment["GATEHOUSE_BENCH_ADMIN_PASSWORD"] ?? ""
    let pages = [
      ("/admin/audit", "page-admin_audit", "the audit log, 50 rows"),
      ("/admin/services/\(service)", "page-admin_service", "a service's page: its chart (SVG), settings and members"),
    ]
    let rows = try await withGateway(url) { gateway in
      let signedIn = try await gateway.post(
        "/api/v1/auth/login",
        ["service": AccountConsoleClient.slug, "username": username, "password": password, "client_type": "mobile"])
      guard signedIn.status == 200, let token = signedIn.json["access_token"] as? String else {
        throw BenchError("the console's sign-in answered \(signedIn.status): \(signedIn.json)")
      }
      // At least 50 events for the audit log's page, whichever steps ran before.
      for _ in 0..<50 { _ = try await gateway.registerUser(password: "Bench-password-1") }
      let headers = HTTPHeaders([("Cookie", "\(AccountConsoleClient.accessCookie)=\(token)")])
      var pages = pages
      // The idp step's provider has thousands of transactions: its first page of 50.
      let providers = try await gateway.send("GET", "/api/v1/idp/service-providers", [:], headers: ["Authorization": "Bearer \(token)"])
      let list = providers.json["service_providers"] as? [[String: Any]] ?? []
      if let busy = (list.first { $0["name"] as? String == "Bench SP" } ?? list.first)?["client_id"] as? String {
        pages.append(
          ("/admin/service-providers/\(busy)/transactions", "page-admin_transactions", "a provider's verification transactions, 50 rows"))
      }
      var rows: [BenchRow] = []
      for (path, marker, name) in pages {
        let load = { @Sendable (_: Int) async -> Bool in
          guard let answer = try? await gateway.sendRaw(.GET, path, body: ByteBuffer(), headers: headers) else { return false }
          return answer.status == 200 && answer.body.readableBytesView.firstRange(of: Array("id=\"\(marker)\"".utf8)) != nil
        }
        guard await load(0) else { throw BenchError("\(path) did not render") }
        _ = await runOpenLoop(workers: Array(0..<8), rate: rate, for: .seconds(3), maxInFlight: 256, load)
        let run = await runOpenLoop(workers: Array(0..<8), rate: rate, for: .seconds(seconds), maxInFlight: 256, load)
        rows.append(row(run, "\(name), offered \(rate)/s for \(seconds) s"))
      }
      return rows
    }
    try BenchReport(file: out).replaceSection(
      "pages", title: "Admin console pages rendered on the server (an open loop)", rows: rows, command: "make bench")
    for row in rows { logger.info("\(row.path): \(row.result) (budget \(row.budget))") }
  }

  private func row(_ run: (samples: [Duration], errors: Int, shed: Int, elapsed: Duration), _ path: String) -> BenchRow {
    let p99 = percentile(run.samples, 0.99)
    let rate = Double(run.samples.count) / (run.elapsed.fractionalMilliseconds / 1000)
    return BenchRow(
      path: path,
      result: "\(Int(rate)) pages/s, p50 \(ms(percentile(run.samples, 0.50))) ms, p99 \(ms(p99)) ms, "
        + "\(run.errors) errors, \(run.shed) shed",
      budget: "p99 < 20 ms at 200/s", met: p99 < .milliseconds(20) && run.errors == 0 && run.shed == 0)
  }
}
