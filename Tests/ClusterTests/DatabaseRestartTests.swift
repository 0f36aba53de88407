import Foundation
import PostgresNIO
import Synchronization
import Testing

@testable import Shared
@testable import TestSupport

/// PostgreSQL restarting (a managed database's maintenance, a failover) or away for a while is a
/// non-event: no process dies, requests meanwhile get 503 `database_unavailable` with
/// `Retry-After` (or 504 at their deadline), never a 500, and service resumes by itself.
// Ten minutes: a test that runs its cluster alone (`exclusive`) first waits for every other
// running cluster to end, and that wait counts against its limit.
@Suite(.serialized, .timeLimit(.minutes(10))) struct DatabaseRestartTests {
  /// The minimal reproduction of issue 26: a server's pool under concurrent queries while its
  /// PostgreSQL restarts three times. postgres-nio 1.33's pool trapped here (and took the test
  /// run with it) when servers kept a minimum of connections open.
  @Test func aServersPoolOutlivesFastRestartsUnderConcurrentQueries() async throws {
    let server = try PostgresServerProcess()
    try await server.start()
    try await server.whileRunning { try await poolOutlivesRestarts(server) }
  }

  private func poolOutlivesRestarts(_ server: PostgresServerProcess) async throws {
    let database = Database(endpoint: server.endpoint(poolSize: 4), serving: true, logger: TestEnvironment.logger)
    let tally = QueryTally()
    try await withThrowingTaskGroup(of: Void.self) { group in
      await group.addRunning { await database.run() }
      try await withThrowingTaskGroup(of: Void.self) { load in
        for _ in 0..<16 {
          load.addTask {
            while !tally.stop.load(ordering: .relaxed) {
              do {
                // Bounded as an RPC handler is: a lease waiting for a server that is
                // not there is cancelled at the deadline.
                _ = try await RPCDeadline.run(untilUnixMilliseconds: unixMilliseconds() + 1000) {
                  try await database.query("SELECT 1", logger: TestEnvironment.logger).collect()
                }
                tally.answered.add(1, ordering: .relaxed)
              } catch {
                // At its deadline a query is either refused as "unavailable" or
                // left behind (a 504): anything else would be a 500.
                let cause = (error as? RPCDeadline.DeadlineError)?.underlying ?? error
                if !DatabaseUnavailable.matches(cause) && !(cause is CancellationError) {
                  tally.unexpected.withLock { $0.append(String(reflecting: cause)) }
                }
                try? await Task.sleep(for: .milliseconds(20))
              }
            }
          }
        }
        for _ in 0..<3 {
          try await Task.sleep(for: .seconds(1))
          try await server.restart()
        }
        // Back by itself once the server accepts connections again. Alone this takes 0.1 s; under
        // the whole suite's load on two cores fresh-clone CI runs took 0.35, 0.80 and 12.3 s and
        // once more than 5 s (2026-12-07), which is longer than the supervised pool's design
        // (docs/plumbing.md, issue 26) and still to be explained. The bound is 30 s, so the
        // test proves the pool comes back by itself, and the time it took is printed.
        let before = tally.answered.load(ordering: .relaxed)
        let restarted = ContinuousClock.now
        let resumed = try await eventually(timeout: .seconds(30)) { tally.answered.load(ordering: .relaxed) > before + 100 }
        print("pool after three restarts: 100 queries answered \(ContinuousClock.now - restarted) after the last one")
        #expect(resumed, "no query answered within 30 s of the last restart")
        tally.stop.store(true, ordering: .relaxed)
        try await load.waitForAll()
      }
      group.cancelAll()
    }
    let unexpected = tally.unexpected.withLock { $0 }
    #expect(unexpected.isEmpty, "errors that are not 'database unavailable': \(unexpected.prefix(5))")
  }

  /// Sign-ins, refreshes and verifications against every executable while PostgreSQL restarts
  /// (fast mode) and then stays away for 10 s.
  @Test func everyExecutableOutlivesARestartAndAnOutageUnderLoad() async throws {
    let postgres = try PostgresServerProcess()
    try await postgres.start()
    try await postgres.whileRunning { try await executablesOutliveRestarts(postgres) }
  }

  private func executablesOutliveRestarts(_ postgres: PostgresServerProcess) async throws {
    let receiver = try await CallbackReceiver()
    defer { receiver.stop() }
    var environment = IdPTests.environment.merging(postgres.environment) { _, new in new }
    environment["GATEHOUSE_CALLBACK_MAX_ATTEMPTS"] = "30"
    environment["GATEHOUSE_IDP_MAX_PENDING"] = "50"
    // Requests for the whole run, more than a free plan's month (docs/admin.md, "Plans and quotas").
    environment["GATEHOUSE_PLAN_FREE_MONTHLY_VERIFICATIONS"] = "unlimited"
    try await withCluster(environment: environment, exclusive: true) { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let sp = try await cluster.api.makeSP(callback: receiver.url)
      var people: [Person] = []
      for _ in 0..<3 { people.append(try await cluster.api.makePerson()) }
      let accounts = people.map(\.account)
      let load = FaultLoad()

      try await withThrowingTaskGroup(of: Void.self) { group in
        for account in accounts {
          group.addTask { await load.signIns(cluster, account) }
          group.addTask { await load.refreshes(cluster, account) }
        }
        for person in people {
          group.addTask { await load.verifications(cluster, sp, person) }
        }

        try await Task.sleep(for: .seconds(2))
        try await postgres.restart()
        let afterRestart = try await load.secondsUntilEveryPathAnswers(cluster, accounts[0])
        #expect(afterRestart < 5, "service resumed \(afterRestart) s after PostgreSQL restarted")

        try await postgres.stop()
        try await Task.sleep(for: .seconds(10))
        try await postgres.start()
        let afterOutage = try await load.secondsUntilEveryPathAnswers(cluster, accounts[0])
        #expect(afterOutage < 5, "service resumed \(afterOutage) s after PostgreSQL came back from a 10 s outage")

        try await Task.sleep(for: .seconds(2))
        load.stop()
        try await group.waitForAll()
      }

      // Every executable is still the process it was.
      let servers = cluster.processes.filter { $0.arguments == ["serve"] }
      #expect(servers.count == 4 && servers.allSatisfy(\.isRunning), "a process died:\n\(cluster.logs)")

      let statuses = load.statuses
      #expect(statuses.keys.allSatisfy { [200, 201, 503, 504].contains($0) }, "statuses seen: \(statuses)\n\(load.oddAnswers)")
      #expect(statuses[500] == nil)
      #expect((statuses[503] ?? 0) > 0, "the outage never showed: \(statuses)")
      #expect(load.unavailableWithoutRetryAfter == 0, "503 answers without Retry-After: \(load.unavailableWithoutRetryAfter)")
      #expect(load.completedVerifications.count > 10, "too few verifications completed: \(load.completedVerifications.count)")

      // Every verification whose confirm answered 200 is COMPLETED, and its SP was told.
      let completed = Set(load.completedVerifications)
      let told = try await eventually(timeout: .seconds(30)) {
        let ids = Set(await receiver.deliveries().compactMap { $0.callback?.transactionID })
        return completed.isSubset(of: ids)
      }
      let delivered = Set(await receiver.deliveries().compactMap { $0.callback?.transactionID })
      #expect(told, "no callback for \(completed.subtracting(delivered).count) of \(completed.count) completed transactions")
      try await withPostgres(postgres.endpoint(owner: true)) { owner in
        let ids = completed.compactMap(UUID.init(uuidString:))
        let rows = try await owner.query(
          "SELECT count(*)::int FROM idp.transactions WHERE id = ANY(\(ids)) AND status = 'COMPLETED'",
          logger: TestEnvironment.logger
        ).collect()
        #expect(try rows.first?.decode(Int.self) == ids.count)
      }
    }
  }
}

/// What the pool test's query loops saw.
final class QueryTally: Sendable {
  let answered = Atomic<Int>(0)
  let stop = Atomic<Bool>(false)
  let unexpected = Mutex<[String]>([])
}

/// The load of the restart test: what each loop saw, shared between its tasks.
final class FaultLoad: Sendable {
  private let state = Mutex(State())
  private let stopped = Atomic<Bool>(false)

  struct State {
    var statuses: [Int: Int] = [:]
    var completed: [String] = []
    var odd: [String] = []
    var unavailableWithoutRetryAfter = 0
  }

  var statuses: [Int: Int] { state.withLock { $0.statuses } }
  var completedVerifications: [String] { state.withLock { $0.completed } }
  var oddAnswers: [String] { state.withLock { Array($0.odd.prefix(10)) } }
  var unavailableWithoutRetryAfter: Int { state.withLock { $0.unavailableWithoutRetryAfter } }

  func stop() { stopped.store(true, ordering: .relaxed) }
  private var running: Bool { !stopped.load(ordering: .relaxed) }

  /// Counts an answer; a 503 must name the database (or a missing service) and carry Retry-After.
  @discardableResult
  private func record(_ what: String, _ answer: (status: Int, headers: [String: String], body: String)) -> Int {
    state.withLock { state in
      state.statuses[answer.status, default: 0] += 1
      if ![200, 201].contains(answer.status), state.odd.count < 50 { state.odd.append("\(what) \(answer.status) \(answer.body)") }
      if answer.status == 503 && answer.headers["retry-after"] == nil { state.unavailableWithoutRetryAfter += 1 }
    }
    return answer.status
  }

  private func pause(after status: Int) async {
    try? await Task.sleep(for: .milliseconds(status < 500 ? 20 : 200))
  }

  func signIns(_ cluster: Cluster, _ account: Account) async {
    while running {
      guard let answer = try? await cluster.api.login(account) else { continue }
      await pause(after: record("sign-in", answer.raw))
    }
  }

  /// Rotates one refresh token after another. A 503 keeps the token: its retry inside the grace
  /// window gets the pair the lost answer carried.
  func refreshes(_ cluster: Cluster, _ account: Account) async {
    var token = (try? await cluster.api.login(account))?.value?.refreshToken
    while running {
      guard let current = token else {
        token = (try? await cluster.api.login(account))?.value?.refreshToken
        continue
      }
      guard let answer = try? await cluster.api.refresh(current) else { continue }
      let status = record("refresh", answer.raw)
      if status == 200 { token = answer.value?.refreshToken }
      await pause(after: status)
    }
  }

  func verifications(_ cluster: Cluster, _ sp: SPClient, _ person: Person) async {
    while running {
      guard
        let created = try? await cluster.api.post(
          "/api/v1/idp/requests",
          VerificationRequestBody(
            userPhoneNumber: person.phone,
            purpose: "Fault run"), as: VerificationStatus.self,
          headers: sp.auth)
      else { continue }
      guard record("verification request", created.raw) == 201, let id = created.value?.transactionID else {
        await pause(after: created.status)
        continue
      }
      // A confirm that did not answer is confirmed again: the person taps once more.
      for attempt in 0..<20 where running {
        guard let confirmed = try? await cluster.api.confirm(person, id) else { continue }
        // The earlier attempt's answer was lost but its decision was not.
        if attempt > 0 && confirmed.status == 409 { break }
        let status = record("confirm", confirmed.raw)
        if status == 200 {
          state.withLock { $0.completed.append(id) }
          break
        }
        if status < 500 { break }
        await pause(after: status)
      }
    }
  }

  /// Seconds from now until a sign-in and a refresh both answer 200.
  func secondsUntilEveryPathAnswers(_ cluster: Cluster, _ account: Account) async throws -> Double {
    let start = ContinuousClock.now
    let answered = try await eventually(timeout: .seconds(30)) {
      let signIn = try await cluster.api.login(account)
      guard signIn.status == 200, let token = signIn.value?.refreshToken else { return false }
      return try await cluster.api.refresh(token).status == 200
    }
    #expect(answered, "no sign-in and refresh answered 200 within 30 s")
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
  }
}
