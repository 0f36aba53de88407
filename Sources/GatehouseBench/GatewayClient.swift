import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The gateway over HTTP, for the benchmarks that measure whole requests.
struct GatewayClient: Sendable {
  let baseURL: String
  let http: HTTPClient

  init(baseURL: String) {
    self.baseURL = baseURL
    var configuration = HTTPClient.Configuration()
    configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 256)
    configuration.tracing.tracer = nil  // no no-op span per request
    // Redirects are answers to measure (the OpenID round trip reads its code from one), not to follow.
    configuration.redirectConfiguration = .disallow
    http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
  }

  /// POSTs a JSON body; returns the status and the decoded JSON object (empty when it is not one).
  func post(_ path: String, _ body: [String: Any]) async throws -> (status: Int, json: [String: Any]) {
    try await send("POST", path, body)
  }

  /// Sends a JSON body with `method` and `headers`.
  func send(_ method: String, _ path: String, _ body: [String: Any], headers: [String: String] = [:]) async throws -> (
    status: Int, json: [String: Any]
  ) {
    let answer = try await sendRaw(
      .RAW(value: method), path, body: ByteBuffer(data: try JSONSerialization.data(withJSONObject: body)),
      headers: HTTPHeaders([("Content-Type", "application/json")] + headers.map { ($0.key, $0.value) }))
    let object = (try? JSONSerialization.jsonObject(with: Data(buffer: answer.body))) as? [String: Any] ?? [:]
    return (answer.status, object)
  }

  /// Sends `body` as it is and returns the status and the body as bytes: the load loops' way,
  /// without building or parsing JSON objects (the generator shares the cores it measures).
  func sendRaw(_ method: HTTPMethod, _ path: String, body: ByteBuffer, headers: HTTPHeaders) async throws -> RawAnswer {
    var request = HTTPClientRequest(url: baseURL + path)
    request.method = method
    request.headers = headers
    if method != .GET { request.body = .bytes(body) }
    let response = try await http.execute(request, timeout: .seconds(30))
    return RawAnswer(status: Int(response.status.code), body: try await response.body.collect(upTo: 1 << 20), headers: response.headers)
  }

  /// A fresh user of the demo service, for one benchmark run.
  func registerUser(password: String) async throws -> String {
    let username = "bench\(UInt32.random(in: 0...UInt32.max))"
    let registered = try await post(
      "/api/v1/auth/register",
      [
        "service": "demo", "username": username, "email": "\(username)@example.com", "password": password,
      ])
    guard registered.status == 201 else { throw BenchError("registration answered \(registered.status): \(registered.json)") }
    return username
  }

  func login(_ username: String, password: String) async throws -> (status: Int, json: [String: Any]) {
    try await post("/api/v1/auth/login", ["service": "demo", "username": username, "password": password, "client_type": "mobile"])
  }

  func shutdown() async {
    try? await http.shutdown()
  }
}

/// An answer as the load loops read it.
struct RawAnswer {
  let status: Int
  let body: ByteBuffer
  let headers: HTTPHeaders

  var location: String? { headers.first(name: "Location") }

  /// The cookies it sets, name to value.
  var cookies: [String: String] {
    var found: [String: String] = [:]
    for header in headers["Set-Cookie"] {
      let parts = (header.split(separator: ";").first ?? "").split(separator: "=", maxSplits: 1).map(String.init)
      if parts.count == 2 { found[parts[0]] = parts[1] }
    }
    return found
  }
}

/// Runs `body` with a client of the gateway at `url`, shut down afterwards whatever happened.
func withGateway<T>(_ url: String, _ body: (GatewayClient) async throws -> T) async throws -> T {
  let gateway = GatewayClient(baseURL: url)
  do {
    let result = try await body(gateway)
    await gateway.shutdown()
    return result
  } catch {
    await gateway.shutdown()
    throw error
  }
}

/// The string value of `"key":"…"` in JSON that Gatehouse wrote (no escapes in the values read
/// this way: ids and statuses), found without parsing the rest.
func jsonString(_ key: String, in buffer: ByteBuffer) -> String? {
  let needle = Array("\"\(key)\":\"".utf8)
  let bytes = buffer.readableBytesView
  guard let start = bytes.firstRange(of: needle)?.upperBound,
    let end = bytes[start...].firstIndex(of: UInt8(ascii: "\""))
  else { return nil }
  return String(decoding: bytes[start..<end], as: UTF8.self)
}

struct BenchError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}
