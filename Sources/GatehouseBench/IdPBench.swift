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
/// has arrived. Two runs: the budget's, people arriving at `rate` a second (open loop), and
/// capacity, `people` confirming as fast as they are answered (closed loop). After each, the
/// callbacks still on their way get up to 30 s.
struct IdPBench: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "idp", abstract: "Verification request + confirm + callback.")

  @Option(help: "The gateway's base URL.") var url = ProcessInfo.processInfo.environment["GATEHOUSE_BENCH_URL"] ?? "http://127.0.0.1:8090"
  @Option(help: "The SP's client id.") var clientID: String
  /// From the environment, not the command line, where any process could read it.
  var clientSecret: String { ProcessInfo.processInfo.environment["GATEHOUSE_BENCH_SP_SECRET"] ?? "" }
  @Option(help: "Port this process receives callbacks on (the SP's callback URL).") var callbackPort: Int
  @Option(help: "People in the closed loop, all at once.") var people = 32
  /// Enough that at 500/s each person has a new request only every 128 ms, so a slow answer
  /// does not run into the per-person pending limit (3) and count as an error.
  @Option(help: "People the open loop takes in turn.") var arrivingPeople = 64
  @Option(help: "Transactions started per second in the open loop (0: skip it).") var rate = 500
  @Option(help: "Run the closed loop too (capacity).") var capacity = true
  @Option(help: "Seconds of load, per run.") var seconds = 15
  /// Connections to the gateway and PostgreSQL, prepared statements and caches are made on
  /// first use; the measured runs should not include that.
  @Option(help: "Seconds of unmeasured load at the open loop's rate first.") var warmUp = 3
  @Option(help: "Markdown file to update.") var out = "docs/benchmarks.md"

  static let budget = "≥ 500/s, p99 confirm < 50 ms, none lost"

  func validate() throws {
    guard people >= 1, arrivingPeople >= 1, seconds >= 1, rate >= 0, warmUp >= 0 else {
      throw ValidationError("people, arriving-people and seconds are at least 1; rate and warm-up are not negative")
    }
  }

  func run() async throws {
    let logger = Logger(label: "gatehouse.bench")
    let callbacks = CallbackReceiver()
    let server = Task { try await callbacks.serve(port: callbackPort) }
    defer { server.cancel() }

    let spAuth = "Basic " + Data("\(clientID):\(clientSecret)".utf8).base64EncodedString()
    let rows = try await withGateway(url) { gateway in
      let people = try await signUp(max(self.people, rate > 0 ? arrivingPeople : 0), on: gateway)
      // Bodies and headers made once per person; the loops only send and read.
      let workers = people.map { person in
        Person(
          request: ByteBuffer(string: #"{"user_phone_number":"\#(person.phone)"}"#),
          spHeaders: HTTPHeaders([("Content-Type", "application/json"), ("Authorization", spAuth)]),
          personHeaders: HTTPHeaders([("Content-Type", "application/json"), ("Authorization", "Bearer \(person.token)")]))
      }
      let trial = Trial(gateway: gateway, callbacks: callbacks)
      var rows: [BenchRow] = []
      if rate > 0 { rows.append(try await openLoop(trial, Array(workers.prefix(arrivingPeople)))) }
      if capacity { rows.append(try await closedLoop(trial, Array(workers.prefix(self.people)))) }
      return rows
    }
    try BenchReport(file: out).replaceSection(
      "idp", title: "Identity verification (durable: every decision and callback in PostgreSQL)",
      rows: rows, command: "make bench")
    for row in rows { logger.info("\(row.path): \(row.result) (budget \(row.budget))") }
  }

  /// The budget's run: people arriving at `rate` a second, after an unmeasured warm-up.
  private func openLoop(_ trial: Trial, _ arriving: [Person]) async throws -> BenchRow {
    if warmUp > 0 {
      _ = await runOpenLoop(workers: arriving, rate: rate, for: .seconds(warmUp), maxInFlight: 4 * arriving.count, trial.transact)
      _ = try await trial.drain()
    }
    let load = await runOpenLoop(workers: arriving, rate: rate, for: .seconds(seconds), maxInFlight: 4 * arriving.count, trial.transact)
    let outcome = try await trial.drain()
    // The rate is what was delivered over the offered window: a system that falls behind
    // sheds starts, fails them, or answers late (the latencies).
    let delivered = Double(outcome.delivered) / Double(seconds)
    let p99 = percentile(outcome.confirms, 0.99)
    return BenchRow(
      path: "SP request + confirm + callback received, \(rate) started per second "
        + "(open loop, \(arriving.count) people in turn) for \(seconds) s",
      result: "\(Int(delivered)) transactions/s delivered, confirm p50 \(ms(percentile(outcome.confirms, 0.50))) ms, p99 \(ms(p99)) ms; "
        + "request+confirm from when due p50 \(ms(percentile(load.samples, 0.50))) ms, p99 \(ms(percentile(load.samples, 0.99))) ms; "
        + "\(load.errors) errors\(outcome.failureKinds), \(load.shed) shed, \(outcome.lost) callbacks lost, "
        + "last callback \(ms(outcome.drain)) ms after the last confirm",
      budget: Self.budget,
      met: delivered >= 500 && p99 < .milliseconds(50) && outcome.lost == 0 && load.errors == 0 && load.shed == 0)
  }

  /// Capacity: `people` confirming as fast as they are answered.
  private func closedLoop(_ trial: Trial, _ together: [Person]) async throws -> BenchRow {
    let load = await runLoad(workers: together, for: .seconds(seconds)) { person in await trial.transact(person) }
    let outcome = try await trial.drain()
    let delivered = Double(outcome.delivered) / ((load.elapsed + outcome.drain).fractionalMilliseconds / 1000)
    return BenchRow(
      path: "The same, \(together.count) people at once "
        + "(closed loop: capacity; latency here is mostly the people's own queue) for \(seconds) s",
      result: "\(Int(delivered)) transactions/s (callbacks included), confirm p50 \(ms(percentile(outcome.confirms, 0.50))) ms, "
        + "p99 \(ms(percentile(outcome.confirms, 0.99))) ms; request+confirm p50 \(ms(percentile(load.samples, 0.50))) ms, "
        + "p99 \(ms(percentile(load.samples, 0.99))) ms; \(load.errors) errors\(outcome.failureKinds), \(outcome.lost) callbacks lost",
      budget: "≥ 500/s, none lost", met: delivered >= 500 && outcome.lost == 0)
  }

  /// `count` people with a verification profile each, their numbers proven, signed in once.
  private func signUp(_ count: Int, on gateway: GatewayClient) async throws -> [(token: String, phone: String)] {
    var people: [(token: String, phone: String)] = []
    while people.count < count {
      let base = people.count
      try await withThrowingTaskGroup(of: (String, String).self) { group in
        for index in base..<min(count, base + 8) {
          group.addTask {
            let username = try await gateway.registerUser(password: "Bench-password-1")
            let login = try await gateway.login(username, password: "Bench-password-1")
            guard let token = login.json["access_token"] as? String else { throw BenchError("login answered \(login.status)") }
            let phone = String(format: "010-%04d-%04d", Int.random(in: 1000...9999), index)
            let profile = try await gateway.send(
              "PUT", "/api/v1/idp/profile",
              ["user_phone_number": phone, "pin_code": "284615", "current_password": "Bench-password-1"],
              headers: ["Authorization": "Bearer \(token)"])
            guard profile.status == 202 else { throw BenchError("profile answered \(profile.status): \(profile.json)") }
            let code = try await LocalSMSCodes.code(to: phone)
            let proven = try await gateway.send(
              "POST", "/api/v1/idp/profile/phone/verify", ["code": code],
              headers: ["Authorization": "Bearer \(token)"])
            guard proven.status == 200 else { throw BenchError("phone proof answered \(proven.status): \(proven.json)") }
            return (token, phone)
          }
        }
        for try await person in group { people.append(person) }
      }
    }
    return people
  }

  /// One person's transaction, end to end, and what the runs saw.
  private final class Trial: Sendable {
    let gateway: GatewayClient
    let callbacks: CallbackReceiver
    let pin = ByteBuffer(string: #"{"pin_code":"284615"}"#)
    let confirmed = Mutex<[(id: String, took: Duration)]>([])
    let failures = Mutex<[String: Int]>([:])

    init(gateway: GatewayClient, callbacks: CallbackReceiver) {
      self.gateway = gateway
      self.callbacks = callbacks
    }

    /// Counts a failed step under "step", or "step status code" when it was answered.
    private func failed(_ step: String, _ answer: RawAnswer? = nil) -> Bool {
      let what = answer.map { [step, String($0.status), jsonString("code", in: $0.body)].compactMap { $0 }.joined(separator: " ") }
      failures.withLock { $0[what ?? "\(step) unanswered", default: 0] += 1 }
      return false
    }

    @Sendable func transact(_ person: Person) async -> Bool {
      guard let created = try? await gateway.sendRaw(.POST, "/api/v1/idp/requests", body: person.request, headers: person.spHeaders) else {
        return failed("request")
      }
      guard created.status == 201, let id = jsonString("transaction_id", in: created.body) else { return failed("request", created) }
      let confirmStart = ContinuousClock.now
      guard let answer = try? await gateway.sendRaw(.POST, "/api/v1/idp/requests/\(id)/confirm", body: pin, headers: person.personHeaders)
      else { return failed("confirm") }
      guard answer.status == 200 else { return failed("confirm", answer) }
      let took = ContinuousClock.now - confirmStart
      confirmed.withLock { $0.append((id, took)) }
      return true
    }

    /// The confirms since the last call, once their callbacks are in (or 30 s have passed).
    func drain() async throws -> Outcome {
      let done = confirmed.withLock { all in
        defer { all.removeAll() }
        return all
      }
      let failed = failures.withLock { all in
        defer { all.removeAll() }
        return all
      }
      let expected = Set(done.map(\.id))
      let start = ContinuousClock.now
      while ContinuousClock.now - start < .seconds(30), callbacks.missing(of: expected) > 0 { try await Task.sleep(for: .milliseconds(5)) }
      let drained = ContinuousClock.now - start
      let lost = callbacks.missing(of: expected)
      return Outcome(confirms: done.map(\.took), delivered: expected.count - lost, lost: lost, drain: drained, failures: failed)
    }
  }

  private struct Person: Sendable {
    let request: ByteBuffer
    let spHeaders: HTTPHeaders
    let personHeaders: HTTPHeaders
  }

  private struct Outcome {
    let confirms: [Duration]
    let delivered: Int
    let lost: Int
    let drain: Duration
    /// Failed transactions by step, status and problem code ("request 429 too_many_pending").
    let failures: [String: Int]

    var failureKinds: String {
      failures.isEmpty ? "" : " (" + failures.sorted { $0.value > $1.value }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", ") + ")"
    }
  }
}

/// The SP's side: an HTTP server that notes the transaction id of every callback it receives.
private final class CallbackReceiver: Sendable {
  private let ids = Mutex<Set<String>>([])

  func serve(port: Int) async throws {
    let router = Router()
    router.post("callback") { [self] request, _ -> HTTPResponse.Status in
      let body = try await request.body.collect(upTo: 1 << 20)
      if let id = jsonString("transaction_id", in: body) { _ = self.ids.withLock { $0.insert(id) } }
      return .ok
    }
    var quiet = Logger(label: "bench-callbacks")
    quiet.logLevel = .error
    try await Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: quiet)
      .runService(gracefulShutdownSignals: [])
  }

  func missing(of expected: Set<String>) -> Int { ids.withLock { expected.subtracting($0).count } }
}
