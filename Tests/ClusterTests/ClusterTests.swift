import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PostgresNIO
import Testing

@testable import Shared
@testable import TestSupport

// Each test at most 5 minutes (it takes seconds): one hung await fails its test instead of stopping CI.
@Suite(.serialized, .timeLimit(.minutes(5))) struct ClusterTests {
  /// A gateway that cannot load the signing keys says so (503) rather than calling the token
  /// bad (401), which would make a client throw away a good token and sign in again.
  @Test func aGatewayWithoutItsKeysAnswers503NotInvalidToken() async throws {
    try await withCluster(startAll: false) { cluster in
      try await cluster.startGateway()
      let token = "eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
      let answer = try await cluster.api.verify(token)
      #expect(answer.status == 503 && answer.problem?.code == "keys_unavailable", "\(answer.body)")
    }
  }

  @Test func gatewayServesHealthReadinessMetricsAndProblems() async throws {
    try await withCluster { cluster in
      let ready = try await cluster.waitUntilReady()
      #expect(ready, "not ready:\n\(cluster.logs)")

      let health = try await cluster.get("/healthz")
      #expect(health.status == 200)
      #expect(health.headers["x-request-id"]?.isEmpty == false)

      let readiness = try await cluster.api.get("/readyz", as: ReadinessReport.self)
      let checks = try readiness.decoded().checks
      #expect(Set(checks.keys) == ["redis", "postgres", "token", "social", "idp"])
      for (name, check) in checks {
        #expect(check.ok, "\(name) not ok")
        #expect(check.latencyMs != nil, "\(name) has no latency")
      }

      let trailing = try await cluster.get("/healthz/")
      #expect(trailing.status == 200)

      let missing = try await cluster.api.get("/no/such/path")
      #expect(missing.status == 404)
      #expect(missing.headers["content-type"] == "application/problem+json")
      let problem = missing.problem
      #expect(problem?.code == "not_found")
      #expect(problem?.status == 404)
      #expect(problem?.requestID == missing.headers["x-request-id"])

      let metrics = try await cluster.get("/metrics")
      #expect(metrics.status == 200)
      #expect(metrics.body.contains("gatehouse_rpc_client_duration_seconds"))
    }
  }

  @Test func readinessFollowsRedisThroughARestart() async throws {
    try await withCluster { cluster in
      let ready = try await cluster.waitUntilReady()
      #expect(ready, "not ready:\n\(cluster.logs)")
      cluster.redis.kill()
      let down = try await eventually(timeout: .seconds(10)) { try await cluster.get("/readyz").status == 503 }
      #expect(down)
      try await cluster.redis.start()
      let back = try await cluster.waitUntilReady(timeout: .seconds(30))
      #expect(back, "did not recover:\n\(cluster.logs)")
      let running = cluster.processes.map(\.isRunning)
      #expect(running == [true, true, true, true])
    }
  }

  @Test func aConsumerKilledMidRequestGivesTheCaller504NotAHang() async throws {
    try await withCluster(startAll: false) { cluster in
      let service = try cluster.start("token-service")
      try await cluster.withCaller(waitingFor: service) { rpc in
        let slow = Task { try await rpc.call(.ping(.token), PingRequest(delayMs: 3000), timeout: .seconds(4)) }
        let held = try await eventually { service.log.contains("ping held for a test") }
        #expect(held, "\(service.log)")
        service.signal(SIGKILL)
        // The caller's own deadline answers (a hang would fail the suite's time limit), and
        // says so: not a 503 from the liveness check, nor the server's own 504.
        await #expect(throws: Problem.gatewayTimeout("token.ping did not answer in time.")) { try await slow.value }
      }
    }
  }

  @Test func sigtermFinishesInFlightWorkAndExitsZero() async throws {
    try await withCluster(startAll: false) { cluster in
      let service = try cluster.start("token-service")
      try await cluster.withCaller(waitingFor: service) { rpc in
        async let inFlight = rpc.call(.ping(.token), PingRequest(delayMs: 1500), timeout: .seconds(5))
        try await Task.sleep(for: .milliseconds(300))
        service.signal(SIGTERM)
        let answer = try await inFlight
        #expect(answer.service == "token")
        let status = await service.waitForExit(timeout: .seconds(10))
        #expect(status == 0, "exit status \(String(describing: status)):\n\(service.log)")
        // Gone from the alive set: the next call is refused at once, not left to time out.
        await #expect(throws: Problem.serviceUnavailable("No instance of the token service is running.")) {
          try await rpc.call(.ping(.token), PingRequest(), timeout: .seconds(3))
        }
      }
    }
  }

  @Test func twoInstancesStartedTogetherMigrateOnceAndBothServe() async throws {
    try await withFreshDatabase { database in
      let applied = try await withCluster(database: database, startAll: false) { cluster in
        try cluster.start("token-service", extra: ["GATEHOUSE_INSTANCE_ID": "first"])
        try cluster.start("token-service", extra: ["GATEHOUSE_INSTANCE_ID": "second"])
        try await withRedis(cluster.redis.endpoint) { redis in
          let rpc = RPCClient(redis: redis, instanceID: TestEnvironment.uniqueName("caller"), logger: TestEnvironment.logger)
          try await rpc.start()
          var answered = Set<String>()
          let both = try await eventually(timeout: .seconds(30)) {
            let batch = try await withThrowingTaskGroup(of: String.self) { group in
              for _ in 0..<20 {
                group.addTask { try await rpc.call(.ping(.token), PingRequest(delayMs: 20), timeout: .seconds(2)).instance }
              }
              return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            answered.formUnion(batch)
            return answered == ["first", "second"]
          }
          #expect(both, "answered by \(answered):\n\(cluster.logs)")
        }
        // Each instance logs the migrations it applied ("schema.version"), before it serves.
        return cluster.processes.flatMap { process in
          process.log.split(separator: "\n").map { json(String($0)) }.filter { $0["msg"] as? String == "migration applied" }
            .map { "\($0["schema"] ?? "?").\($0["version"] ?? "?")" }
        }
      }
      // Both instances have exited (withCluster stopped them): nothing can change what follows.
      try await withPostgres(TestEnvironment.database(owner: true, name: database)) { owner in
        // Both started on an empty key table; one set of first keys exists.
        let statuses = try await owner.query("SELECT status FROM token.signing_keys ORDER BY status", logger: TestEnvironment.logger)
          .collect().map { try $0.decode(String.self) }
        #expect(statuses == ["current", "next"])
        // Migrated once: every recorded version was applied by exactly one of the two (counting
        // schema_migrations rows per version proved nothing: version is its primary key).
        var recorded: [String] = []
        for schema in ["token", "audit"] {
          let rows = try await owner.query(
            PostgresQuery(unsafeSQL: "SELECT version FROM \(schema).schema_migrations ORDER BY version"),
            logger: TestEnvironment.logger
          ).collect()
          recorded += try rows.map { "\(schema).\(try $0.decode(Int.self))" }
        }
        #expect(recorded.contains("token.1") && recorded.contains("audit.1"), "\(recorded)")
        #expect(applied.sorted() == recorded.sorted(), "applied \(applied), recorded \(recorded)")
      }
    }
  }

  @Test func aMalformedSettingStopsStartUpWithOneLineNamingIt() async throws {
    let process = ServiceProcess(
      "token-service", environment: ServiceProcess.environment(redisPort: 1, extra: ["GATEHOUSE_PG_PORT": "not-a-port"]))
    try process.start()
    let status = await process.waitForExit(timeout: .seconds(10))
    #expect(status == 78)
    let lines = process.log.split(separator: "\n")
    #expect(lines.count == 1)
    #expect(lines.first?.contains("GATEHOUSE_PG_PORT") == true)
  }
}
