import ArgumentParser
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import Shared
import Synchronization

/// Identity verification under load, end to end: SP request → the person's confirm → the signed
/// callback received by this process's own HTTP server. A transaction counts once its callback
/// has arrived; the run ends when every confirmed transaction's callback has (or 30 s after).
struct IdPBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "idp", abstract: "Verification request + confirm + callback.")

    @Option(help: "The gateway's base URL.") var url = ProcessInfo.processInfo.environment["GATEHOUSE_BENCH_URL"] ?? "http://127.0.0.1:8090"
    @Option(help: "The SP's client id.") var clientID: String
    /// From the environment, not the command line, where any process could read it.
    var clientSecret: String { ProcessInfo.processInfo.environment["GATEHOUSE_BENCH_SP_SECRET"] ?? "" }
    @Option(help: "Port this process receives callbacks on (the SP's callback URL).") var callbackPort: Int
    @Option(help: "People confirming at once.") var people = 32
    @Option(help: "Seconds of load.") var seconds = 15
    @Option(help: "Markdown file to update.") var out = "docs/benchmarks.md"

    func run() async throws {
        let logger = Logger(label: "gatehouse.bench")
        let received = Mutex<Set<String>>([])
        let router = Router()
        router.post("callback") { request, _ -> HTTPResponse.Status in
            let body = try await request.body.collect(upTo: 1 << 20)
            if let id = jsonString("transaction_id", in: body) { _ = received.withLock { $0.insert(id) } }
            return .ok
        }
        var quiet = Logger(label: "bench-callbacks")
        quiet.logLevel = .error
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: callbackPort)), logger: quiet)
        let server = Task { try await app.runService(gracefulShutdownSignals: []) }
        defer { server.cancel() }

        let spAuth = "Basic " + Data("\(clientID):\(clientSecret)".utf8).base64EncodedString()
        let result = try await withGateway(url) { gateway in
            // People with a verification profile each, signed in once.
            var tokens: [(token: String, phone: String)] = []
            while tokens.count < people {
                let base = tokens.count
                try await withThrowingTaskGroup(of: (String, String).self) { group in
                    for index in base..<min(people, base + 8) {
                        group.addTask {
                            let username = try await gateway.registerUser(password: "Bench-password-1")
                            let login = try await gateway.login(username, password: "Bench-password-1")
                            guard let token = login.json["access_token"] as? String else { throw BenchError("login answered \(login.status)") }
                            let phone = String(format: "010-%04d-%04d", Int.random(in: 1000...9999), index)
                            let profile = try await gateway.send("PUT", "/api/v1/idp/profile", ["user_phone_number": phone, "pin_code": "284615"],
                                                                 headers: ["Authorization": "Bearer \(token)"])
                            guard profile.status == 200 else { throw BenchError("profile answered \(profile.status): \(profile.json)") }
                            return (token, phone)
                        }
                    }
                    for try await person in group { tokens.append(person) }
                }
            }
            let confirmed = Mutex<[(id: String, took: Duration)]>([])
            // Bodies and headers made once per person; the loop only sends and reads.
            let workers = tokens.map { person in (
                request: ByteBuffer(string: #"{"user_phone_number":"\#(person.phone)"}"#),
                spHeaders: HTTPHeaders([("Content-Type", "application/json"), ("Authorization", spAuth)]),
                personHeaders: HTTPHeaders([("Content-Type", "application/json"), ("Authorization", "Bearer \(person.token)")])) }
            let pin = ByteBuffer(string: #"{"pin_code":"284615"}"#)
            let load = await runLoad(workers: workers, for: .seconds(seconds)) { person in
                guard let created = try? await gateway.sendRaw(.POST, "/api/v1/idp/requests", body: person.request, headers: person.spHeaders),
                      created.status == 201, let id = jsonString("transaction_id", in: created.body) else { return false }
                let confirmStart = ContinuousClock.now
                guard let answer = try? await gateway.sendRaw(.POST, "/api/v1/idp/requests/\(id)/confirm", body: pin, headers: person.personHeaders),
                      answer.status == 200 else { return false }
                let took = ContinuousClock.now - confirmStart
                confirmed.withLock { $0.append((id, took)) }
                return true
            }
            // Wait for the callbacks still on their way.
            let expected = Set(confirmed.withLock { $0.map(\.id) })
            let drainStart = ContinuousClock.now
            while ContinuousClock.now - drainStart < .seconds(30), !expected.isSubset(of: received.withLock { $0 }) {
                try await Task.sleep(for: .milliseconds(20))
            }
            return (load, expected, ContinuousClock.now - drainStart, confirmed.withLock { $0.map(\.took) })
        }
        let (load, expected, drain, confirms) = result
        let lost = expected.subtracting(received.withLock { $0 }).count
        let rate = Double(expected.count - lost) / ((load.elapsed + drain).fractionalMilliseconds / 1000)
        // The budget's latency is the person's: confirm alone. Request + confirm is shown beside it.
        let rows = [BenchRow(
            path: "SP request + confirm + callback received, \(people) people for \(seconds) s",
            result: "\(Int(rate)) transactions/s (callbacks included), confirm p50 \(ms(percentile(confirms, 0.50))) ms, "
                + "p99 \(ms(percentile(confirms, 0.99))) ms; request+confirm p50 \(ms(percentile(load.samples, 0.50))) ms, "
                + "p99 \(ms(percentile(load.samples, 0.99))) ms; \(load.errors) errors, \(lost) callbacks lost",
            budget: "≥ 500/s, p99 confirm < 50 ms, none lost", met: rate >= 500 && percentile(confirms, 0.99) < .milliseconds(50) && lost == 0)]
        try BenchReport(file: out).replaceSection("idp", title: "Identity verification (durable: every decision and callback in PostgreSQL)",
                                                  rows: rows, command: "make bench")
        for row in rows { logger.info("\(row.path): \(row.result) (budget \(row.budget))") }
    }
}
