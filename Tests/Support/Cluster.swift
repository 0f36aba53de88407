import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PostgresNIO
import Testing

@testable import Shared

/// The real executables, started as processes, on a Redis of the test's own.
final class Cluster: @unchecked Sendable {
  // @unchecked: owned by one test, mutated only from it.
  let redis: RedisServerProcess
  private(set) var httpPort: Int
  let database: String?
  let extraEnvironment: [String: String]
  /// The issuer's host: `127.0.0.1`, or `localhost` for a browser test of passkeys (a WebAuthn
  /// RP ID is a domain, never an IP address).
  let issuerHost: String
  var processes: [ServiceProcess] = []

  init(database: String? = nil, environment: [String: String] = [:], issuerHost: String = "127.0.0.1") throws {
    self.redis = try RedisServerProcess()
    self.httpPort = try FreePort.find()
    self.database = database
    self.extraEnvironment = environment
    self.issuerHost = issuerHost
  }

  var environment: [String: String] {
    var extra = extraEnvironment
    extra["GATEHOUSE_HTTP_PORT"] = "\(httpPort)"
    if issuerHost != "127.0.0.1" { extra["GATEHOUSE_ISSUER"] = url("") }
    return ServiceProcess.environment(redisPort: redis.port, database: database, extra: extra)
  }

  @discardableResult
  func start(_ name: String, arguments: [String] = ["serve"], extra: [String: String] = [:]) throws -> ServiceProcess {
    let process = ServiceProcess(name, arguments: arguments, environment: environment.merging(extra) { _, new in new })
    try process.start()
    processes.append(process)
    return process
  }

  /// A backend with its internal listener (`/metrics`, `/healthz`) on a port of its own: what
  /// that one instance served can then be read from it (`served`).
  @discardableResult
  func startWithMetrics(_ name: String, instance: String, arguments: [String] = ["serve"]) throws -> (
    process: ServiceProcess, metricsPort: Int
  ) {
    let port = try FreePort.find()
    let process = try start(name, arguments: arguments + ["--metrics-port", "\(port)"], extra: ["GATEHOUSE_INSTANCE_ID": instance])
    return (process, port)
  }

  /// How many requests of the RPC method `method` (`token.refresh`) the instance whose internal
  /// listener is on `metricsPort` answered, whatever the outcome, from its Prometheus text.
  func served(_ method: String, metricsPort: Int) async throws -> Int {
    try await counter("gatehouse_rpc_server_requests_total", "method", method, metricsPort: metricsPort)
  }

  /// How many calls of the RPC method `method` (`idp.request_status`) the gateway has made and
  /// seen end, whatever the outcome, from its `/metrics`: the count is taken as the call returns,
  /// before the handler that made it goes on.
  func gatewayCalls(_ method: String) async throws -> Int {
    try await counter("gatehouse_rpc_client_duration_seconds_count", "method", method)
  }

  /// The value of counter `series` with `label` = `value`, summed over its other labels, from
  /// the internal listener on `metricsPort` (a backend's) or the gateway's `/metrics` (nil).
  func counter(_ series: String, _ label: String, _ value: String, metricsPort: Int? = nil) async throws -> Int {
    let text: String
    if let metricsPort {
      let response = try await HTTPClient.shared.execute(
        HTTPClientRequest(url: "http://127.0.0.1:\(metricsPort)/metrics"), timeout: .seconds(10))
      text = String(buffer: try await response.body.collect(upTo: 4 << 20))
    } else {
      text = try await get("/metrics").body
    }
    return Self.sum(of: series, label: label, value: value, in: text)
  }

  private static func sum(of series: String, label: String, value: String, in text: String) -> Int {
    text.split(separator: "\n")
      .filter { $0.hasPrefix(series + "{") && $0.contains(#"\#(label)="\#(value)""#) }
      .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }
      .reduce(0) { $0 + Int($1) }
  }

  func startAll() async throws {
    try await redis.start()
    try await startGateway()
    for name in ["token-service", "social-service", "idp-service"] { try start(name) }
  }

  /// The gateway first, on the port chosen free. Another process may take that port between
  /// the choice and the gateway's bind (the gateway then exits "Address already in use"): then
  /// again on another port, before anything else learns the port.
  func startGateway() async throws {
    for _ in 0..<5 {
      let gateway = try start("gateway")
      _ = try await eventually(timeout: .seconds(20)) { gateway.log.contains("Server started and listening") || !gateway.isRunning }
      guard !gateway.isRunning, gateway.log.contains("Address already in use") else { return }
      processes.removeAll { $0 === gateway }
      httpPort = try FreePort.find()
    }
  }

  /// Runs `body` with an RPC client on this cluster's Redis, once `service` answers a ping.
  func withCaller<T: Sendable>(waitingFor service: ServiceProcess, _ body: (RPCClient) async throws -> T) async throws -> T {
    try await withRedis(redis.endpoint) { redis in
      let rpc = RPCClient(redis: redis, instanceID: TestEnvironment.uniqueName("caller"), logger: TestEnvironment.logger)
      try await rpc.start()
      let up = try await eventually(timeout: .seconds(20)) {
        (try? await rpc.call(.ping(.token), PingRequest(), timeout: .seconds(1))) != nil
      }
      #expect(up, "\(service.name) did not answer:\n\(service.log)")
      return try await body(rpc)
    }
  }

  func url(_ path: String) -> String { "http://\(issuerHost):\(httpPort)\(path)" }

  /// Status, headers (names lowercased) and body of a response.
  func send(_ request: HTTPClientRequest) async throws -> (status: Int, headers: [String: String], body: String) {
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
    let body = try await response.body.collect(upTo: 1 << 20)
    let headers = Dictionary(response.headers.map { ($0.name.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
    return (Int(response.status.code), headers, String(buffer: body))
  }

  /// Status, headers (names lowercased) and body of a GET.
  func get(_ path: String, headers extra: [String: String] = [:]) async throws -> (status: Int, headers: [String: String], body: String) {
    var request = HTTPClientRequest(url: url(path))
    for (name, value) in extra { request.headers.add(name: name, value: value) }
    return try await send(request)
  }

  /// Status, headers and body of a POST (or PATCH, PUT) with a JSON (or any) body.
  func post(
    _ path: String, body: String, method: NIOHTTP1.HTTPMethod = .POST, contentType: String? = "application/json",
    headers extra: [String: String] = [:]
  ) async throws -> (status: Int, headers: [String: String], body: String) {
    var request = HTTPClientRequest(url: url(path))
    request.method = method
    if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
    for (name, value) in extra { request.headers.add(name: name, value: value) }
    request.body = .bytes(ByteBuffer(string: body))
    return try await send(request)
  }

  func delete(_ path: String, headers extra: [String: String] = [:]) async throws -> (status: Int, headers: [String: String], body: String)
  {
    var request = HTTPClientRequest(url: url(path))
    request.method = .DELETE
    for (name, value) in extra { request.headers.add(name: name, value: value) }
    return try await send(request)
  }

  /// Runs a token-service admin command to completion and returns what it printed.
  func tokenAdmin(_ arguments: [String]) async throws -> String {
    let process = try start("token-service", arguments: arguments)
    let status = await process.waitForExit(timeout: .seconds(20))
    #expect(status == 0, "token-service \(arguments.joined(separator: " ")) failed:\n\(process.log)")
    return process.log
  }

  /// Ready as a person would find it: `/readyz` answers 200, and every running back end has done
  /// its start-up work (signing keys, the account console's client with this issuer's redirect
  /// URI), which may finish after readiness. A test that opened `/account` at once saw the
  /// console's redirect URI refused (CI, issue 16's DemoProviderTests).
  func waitUntilReady(timeout: Duration = .seconds(30)) async throws -> Bool {
    try await eventually(timeout: timeout) {
      guard try await self.get("/readyz").status == 200 else { return false }
      return processes.allSatisfy {
        !$0.isRunning || $0.name == "gateway" || !$0.arguments.contains("serve") || $0.log.contains("start-up work done")
      }
    }
  }

  func stop() async {
    for process in processes.reversed() { await process.stop() }
    redis.kill()
  }

  var logs: String { processes.map { "== \($0.name)\n\($0.log.suffix(3000))" }.joined(separator: "\n") }
}

/// At most this many clusters run at once. Every suite starts clusters of four processes and a
/// Redis, and swift-testing runs the suites in parallel: on two cores, 39 suites starting theirs
/// together left clusters unready after 30 s and answering 503 (seen in CI). A test already
/// holding a permit (a cluster inside a cluster) does not ask again.
let clusterPermits = AsyncPermits(clusterPermitCount)
let clusterPermitCount = 10
/// One exclusive test at a time gathers every permit; without this gate two of them could each
/// hold half the permits and wait for the other half forever.
let exclusiveGate = AsyncPermits(1)

enum ClusterPermit {
  @TaskLocal static var held = false
}

/// Runs `body` with a cluster and stops every process it started, whatever `body` did.
/// `exclusive`: no other cluster runs meanwhile. For tests whose claim is about timing under
/// their own load (a PostgreSQL restart, a burst against bcrypt): in CI, nine other clusters on
/// the same two cores made their RPCs time out (504) and their recovery take longer than the
/// bound the test proves.
func withCluster<T: Sendable>(
  database: String? = nil, environment: [String: String] = [:], issuerHost: String = "127.0.0.1", startAll: Bool = true,
  exclusive: Bool = false, _ body: (Cluster) async throws -> T
) async throws -> T {
  guard ClusterPermit.held else {
    let count = exclusive ? clusterPermitCount : 1
    if exclusive { await exclusiveGate.acquire() }
    for _ in 0..<count { await clusterPermits.acquire() }
    defer {
      clusterPermits.release(count)
      if exclusive { exclusiveGate.release() }
    }
    return try await ClusterPermit.$held.withValue(true) {
      try await withCluster(database: database, environment: environment, issuerHost: issuerHost, startAll: startAll, body)
    }
  }
  // idp-service sends its SMS codes to the test process's SMS API receiver unless a test says otherwise.
  let sms = try await SMSReceiver.shared().environment
  let cluster = try Cluster(database: database, environment: sms.merging(environment) { _, given in given }, issuerHost: issuerHost)
  do {
    if startAll { try await cluster.startAll() } else { try await cluster.redis.start() }
    let result = try await body(cluster)
    await cluster.stop()
    return result
  } catch {
    await cluster.stop()
    throw error
  }
}
