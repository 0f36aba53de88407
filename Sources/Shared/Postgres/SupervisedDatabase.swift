import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// A server process's PostgreSQL: postgres-nio's pool, watched, and replaced when it does not
/// recover from the server going away.
///
/// postgres-nio 1.33's pool can be left stuck after fast restarts: queries wait for a connection
/// that never comes, and not even their cancellation ends the wait (reproduced by
/// `DatabaseRestartTests`; postgres-nio's issue 657 on GitHub is one way there). The process would answer
/// 503 for good although PostgreSQL is back. So when queries have failed with "database
/// unavailable" for a second, or some are in flight and none has finished for 3 s, a probe opens
/// a connection of its own; if the server answers twice in a row while the pool still fails, the
/// pool is replaced by a new one and the old one shut down. docs/plumbing.md, "The PostgreSQL
/// pool".
public final class Database: Service, Sendable {
  /// How long queries must have been failing before the pool is suspected.
  static let suspectAfter: Duration = .seconds(1)
  /// How long queries may be in flight with none finishing before the pool is suspected.
  static let stalledAfter: Duration = .seconds(3)
  /// How often a suspected pool is checked against a probe connection.
  static let checkEvery: Duration = .milliseconds(500)

  private let endpoint: DatabaseEndpoint
  private let serving: Bool
  private let logger: Logger
  private let state: Mutex<State>
  /// Unix milliseconds of the first failure since the last success; 0 while queries succeed.
  private let failingSince = Atomic<Int64>(0)
  private let checking = Atomic<Bool>(false)
  private let inFlight = Atomic<Int>(0)
  /// Unix milliseconds when the last query finished, whatever its outcome.
  private let lastFinished = Atomic<Int64>(unixMilliseconds())

  private struct State {
    var client: PostgresClient
    var runner: Task<Void, Never>?
    var stopped = false
  }

  public init(endpoint: DatabaseEndpoint, serving: Bool, logger: Logger) {
    self.endpoint = endpoint
    self.serving = serving
    self.logger = logger
    self.state = Mutex(State(client: endpoint.makeClient(logger: logger, serving: serving)))
  }

  /// The pool in use now; a query that began on a replaced pool fails with "unavailable".
  public var client: PostgresClient { state.withLock { $0.client } }

  /// Runs the pool (and any replacement) until cancelled or shut down gracefully.
  public func run() async {
    state.withLock { state in
      let client = state.client
      state.runner = Task { await client.run() }
    }
    await cancelWhenGracefulShutdown {
      while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
    }
    let runner = state.withLock { state -> Task<Void, Never>? in
      state.stopped = true
      return state.runner
    }
    runner?.cancel()
    // A pool with a query stuck on a vanished connection never finishes shutting down: give
    // it 2 s, then let the process exit without it.
    if let runner {
      _ = try? await RPCDeadline.run(untilUnixMilliseconds: unixMilliseconds() + 2000) { await runner.value }
    }
  }

  // MARK: What stores use

  @discardableResult
  public func query(_ query: PostgresQuery, logger: Logger, file: String = #fileID, line: Int = #line) async throws -> PostgresRowSequence {
    try await watched { try await client.query(query, logger: logger, file: file, line: line) }
  }

  public func execute<Statement: PostgresPreparedStatement, Row>(
    _ statement: Statement, logger: Logger, file: String = #fileID, line: Int = #line
  ) async throws -> AsyncThrowingMapSequence<PostgresRowSequence, Row> where Row == Statement.Row {
    try await watched { try await client.execute(statement, logger: logger, file: file, line: line) }
  }

  public func withConnection<Result>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
    try await watched { try await client.withConnection(body) }
  }

  /// `PostgresClient.transaction`: an error thrown by `body` comes out as itself after the rollback.
  public func transaction<Result>(
    logger: Logger,
    file: String = #file,
    line: Int = #line,
    isolation: isolated (any Actor)? = #isolation,
    _ body: (PostgresConnection) async throws -> sending Result
  ) async throws -> sending Result {
    // Not through `watched`: the result is `sending`, which a generic closure cannot pass on.
    let client = self.client
    noteStart()
    do {
      let result = try await client.transaction(logger: logger, file: file, line: line, isolation: isolation, body)
      noteSuccess()
      return result
    } catch {
      noteFailure(error)
      throw error
    }
  }

  public func ping(logger: Logger) async throws -> Duration {
    try await watched { try await client.ping(logger: logger) }
  }

  // MARK: Watching

  private func watched<T>(_ body: () async throws -> T) async throws -> T {
    noteStart()
    do {
      let result = try await body()
      noteSuccess()
      return result
    } catch {
      noteFailure(error)
      throw error
    }
  }

  private func noteStart() {
    let waiting = inFlight.wrappingAdd(1, ordering: .relaxed).oldValue
    if serving, waiting > 0, stalledForMs() != nil {
      startWatching()
    }
  }

  /// Never below zero: a replacement forgets the queries stuck in the old pool.
  private func noteFinish() {
    var count = inFlight.load(ordering: .relaxed)
    while count > 0 {
      let (done, found) = inFlight.compareExchange(expected: count, desired: count - 1, ordering: .relaxed)
      if done { break }
      count = found
    }
    lastFinished.store(unixMilliseconds(), ordering: .relaxed)
  }

  private func noteSuccess() {
    noteFinish()
    if failingSince.load(ordering: .relaxed) != 0 { failingSince.store(0, ordering: .relaxed) }
  }

  private func noteFailure(_ error: any Error) {
    noteFinish()
    guard serving, DatabaseUnavailable.matches(error) else { return }
    _ = failingSince.compareExchange(expected: 0, desired: unixMilliseconds(), ordering: .relaxed)
    startWatching()
  }

  /// Milliseconds since the last query finished while some are in flight, if past `stalledAfter`.
  private func stalledForMs() -> Int64? {
    guard inFlight.load(ordering: .relaxed) > 0 else { return nil }
    let stalled = unixMilliseconds() - lastFinished.load(ordering: .relaxed)
    return stalled >= Self.stalledAfter.milliseconds ? stalled : nil
  }

  /// Milliseconds the pool has been failing or stalled, if long enough to suspect it.
  private func suspectForMs() -> Int64? {
    let since = failingSince.load(ordering: .relaxed)
    if since != 0, unixMilliseconds() - since >= Self.suspectAfter.milliseconds { return unixMilliseconds() - since }
    return stalledForMs()
  }

  private func startWatching() {
    guard checking.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return }
    Task { await self.watchWhileSuspect() }
  }

  /// While queries keep failing or stall: once the pool has been suspect for a while and a
  /// connection of the probe's own succeeds twice in a row, the pool is stuck, not the server:
  /// replace it. Ends when queries succeed again.
  private func watchWhileSuspect() async {
    defer { checking.store(false, ordering: .releasing) }
    var probesAnswered = 0
    while state.withLock({ !$0.stopped }) {
      try? await Task.sleep(for: Self.checkEvery)
      guard let suspectMs = suspectForMs() else {
        if failingSince.load(ordering: .relaxed) == 0 { return }
        continue
      }
      probesAnswered = await probe() ? probesAnswered + 1 : 0
      if probesAnswered >= 2 {
        replacePool(failingForMs: suspectMs)
        return
      }
    }
  }

  private func probe() async -> Bool {
    let configuration = PostgresConnection.Configuration(
      host: endpoint.host, port: endpoint.port, username: endpoint.username, password: endpoint.password,
      database: endpoint.database, tls: .disable)
    do {
      let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
      defer { Task { try? await connection.close() } }
      _ = try await connection.query("SELECT 1", logger: logger).collect()
      return true
    } catch {
      return false
    }
  }

  private func replacePool(failingForMs: Int64) {
    let fresh = endpoint.makeClient(logger: logger, serving: serving)
    let old = state.withLock { state -> Task<Void, Never>? in
      guard !state.stopped else { return nil }
      let old = state.runner
      state.client = fresh
      state.runner = Task { await fresh.run() }
      return old
    }
    guard let old else { return }
    failingSince.store(0, ordering: .relaxed)
    lastFinished.store(unixMilliseconds(), ordering: .relaxed)
    inFlight.store(0, ordering: .relaxed)
    logger.warning(
      "replaced the PostgreSQL pool: queries kept failing while the server answered",
      metadata: ["failing_ms": "\(failingForMs)"])
    old.cancel()
  }
}
