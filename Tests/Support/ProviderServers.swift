import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

@testable import Shared

/// A local OAuth/OIDC provider for social sign-in tests: Tests/python/social_fakes.py (every
/// built-in OAuth2 provider) or the PyPI package oidc-provider-mock (a real OIDC provider).
final class ProviderServer: @unchecked Sendable {
  // @unchecked: `process` is only touched by the test that owns this value.
  let port: Int
  private let process: Process

  var url: String { "http://127.0.0.1:\(port)" }

  /// Starts `arguments(port)` on a port chosen free, and waits until `probe` (an HTTP path only
  /// this server answers with 200) shows it is ours. Another process may take the port before
  /// Python binds it; the server then exits, and it is started again on another port.
  private init(arguments: (Int) -> [String], probe: String) async throws {
    for _ in 0..<5 {
      let port = try FreePort.find()
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
      process.arguments = ["python3"] + arguments(port)
      process.standardOutput = FileHandle.nullDevice
      process.standardError = FileHandle.nullDevice
      process.standardInput = FileHandle.nullDevice
      try process.run()
      let ready = try await eventually(timeout: .seconds(20)) {
        guard process.isRunning else { return true }
        return (try? await Browser.send("http://127.0.0.1:\(port)\(probe)").status) == 200
      }
      if ready, process.isRunning {
        self.port = port
        self.process = process
        return
      }
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
    }
    throw TestFailure("\(arguments(0).joined(separator: " ")) did not start")
  }

  /// The provider fakes on one port (`/kakao`, `/naver`, `/github`, `/facebook`, `/discord`, `/apple`, `/x`, `/linkedin`).
  static func socialFakes() async throws -> ProviderServer {
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("python/social_fakes.py").path
    return try await ProviderServer(arguments: { [script, "--port", String($0)] }, probe: "/_control/kakao/client")
  }

  /// oidc-provider-mock, requiring a nonce (`-n`). Its issuer is this URL.
  static func oidcMock() async throws -> ProviderServer {
    try await ProviderServer(
      arguments: { ["-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", String($0), "-n"] },
      probe: "/jwks")
  }

  /// SIGKILL: a test process may start children with SIGTERM blocked, which Python then never sees.
  func stop() {
    guard process.isRunning else { return }
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
  }

  deinit { stop() }
}

/// A browser's view of HTTP for sign-in flows: redirects are not followed, so each hop is seen.
/// Each request gets a fresh connection: the Python servers drop idle keep-alive connections on
/// their own schedule, and a request sent on one they just closed would fail.
enum Browser {
  static let client: HTTPClient = {
    var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
    configuration.maximumUsesPerConnection = 1
    return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
  }()

  static func send(
    _ url: String, method: HTTPMethod = .GET, form: [String: String]? = nil, json: String? = nil,
    headers extra: [String: String] = [:]
  ) async throws -> (status: Int, headers: [String: String], body: String) {
    var request = HTTPClientRequest(url: url)
    request.method = method
    for (name, value) in extra { request.headers.add(name: name, value: value) }
    if let form {
      request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
      request.body = .bytes(ByteBuffer(string: formEncoded(form)))
    } else if let json {
      request.headers.add(name: "Content-Type", value: "application/json")
      request.body = .bytes(ByteBuffer(string: json))
    }
    let response = try await client.execute(request, timeout: .seconds(20))
    let body = try await response.body.collect(upTo: 1 << 20)
    let headers = Dictionary(response.headers.map { ($0.name.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
    return (Int(response.status.code), headers, String(buffer: body))
  }

  /// A request with `body` as JSON (Shared's encoding), its answer read as `Value`.
  static func send<Value>(
    _ url: String, method: HTTPMethod = .POST, body: some Encodable & Sendable, as type: Value.Type,
    headers: [String: String] = [:]
  ) async throws -> Answer<Value> {
    Answer(try await send(url, method: method, json: String(buffer: try JSON.encode(body)), headers: headers))
  }

  static func formEncoded(_ form: [String: String]) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return form.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0.value)" }.joined(separator: "&")
  }

  /// The query of a URL as a dictionary.
  static func query(_ url: String) -> [String: String] {
    Dictionary((URLComponents(string: url)?.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { first, _ in first })
  }
}
