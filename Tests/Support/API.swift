import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing

@testable import Shared

/// The gateway's HTTP API with typed bodies and typed answers: requests are Shared's request
/// types (`RegisterBody`, `LoginBody`, `PinBody`, ...) encoded as the services read them
/// (`JSON.encode`, the house's snake_case CodingKeys); answers are decoded into Shared's
/// response types or the mirrors of APITypes.swift. The low-level `cluster.get/post` stays for
/// tests that send malformed bodies or odd headers on purpose.
struct API: Sendable {
  let cluster: Cluster

  /// A GET whose answer is read as `Value`.
  func get<Value>(_ path: String, as type: Value.Type, headers: [String: String] = [:]) async throws -> Answer<Value> {
    try await send(.GET, path, body: nil, headers: headers)
  }

  /// A GET whose body is read only as a problem, if at all.
  func get(_ path: String, headers: [String: String] = [:]) async throws -> Answer<NoValue> {
    try await send(.GET, path, body: nil, headers: headers)
  }

  /// A POST (or PATCH, PUT, DELETE) with `body` as JSON, its answer read as `Value`.
  func post<Value>(
    _ path: String, _ body: some Encodable & Sendable, as type: Value.Type, method: HTTPMethod = .POST,
    headers: [String: String] = [:]
  ) async throws -> Answer<Value> {
    try await send(method, path, body: try JSON.encode(body), headers: headers)
  }

  func post(
    _ path: String, _ body: some Encodable & Sendable, method: HTTPMethod = .POST,
    headers: [String: String] = [:]
  ) async throws -> Answer<NoValue> {
    try await send(method, path, body: try JSON.encode(body), headers: headers)
  }

  /// A POST (or other method) with no body and no `Content-Type`.
  func post<Value>(
    _ path: String, as type: Value.Type, method: HTTPMethod = .POST,
    headers: [String: String] = [:]
  ) async throws -> Answer<Value> {
    try await send(method, path, body: nil, headers: headers)
  }

  func post(_ path: String, method: HTTPMethod = .POST, headers: [String: String] = [:]) async throws -> Answer<NoValue> {
    try await send(method, path, body: nil, headers: headers)
  }

  func delete<Value>(_ path: String, as type: Value.Type, headers: [String: String] = [:]) async throws -> Answer<Value> {
    try await send(.DELETE, path, body: nil, headers: headers)
  }

  func delete(_ path: String, headers: [String: String] = [:]) async throws -> Answer<NoValue> {
    try await send(.DELETE, path, body: nil, headers: headers)
  }

  /// A browser's CORS preflight for a POST with a JSON body from `origin`.
  func preflight(_ path: String, origin: String) async throws -> Answer<NoValue> {
    var request = HTTPClientRequest(url: cluster.url(path))
    request.method = .OPTIONS
    request.headers.add(name: "Origin", value: origin)
    request.headers.add(name: "Access-Control-Request-Method", value: "POST")
    request.headers.add(name: "Access-Control-Request-Headers", value: "content-type")
    return Answer(try await cluster.send(request))
  }

  private func send<Value>(
    _ method: HTTPMethod, _ path: String, body: ByteBuffer?,
    headers: [String: String]
  ) async throws -> Answer<Value> {
    var request = HTTPClientRequest(url: cluster.url(path))
    request.method = method
    if let body {
      request.headers.add(name: "Content-Type", value: "application/json")
      request.body = .bytes(body)
    }
    for (name, value) in headers { request.headers.add(name: name, value: value) }
    let (status, headers, text) = try await cluster.send(request)
    return Answer(status: status, headers: headers, body: text)
  }
}

extension Cluster {
  /// This cluster's gateway, typed.
  var api: API { API(cluster: self) }
}

/// `text` (JSON a script printed, a body read elsewhere) as `T`; nil when it is not one.
func decodeJSON<T: Decodable>(_ type: T.Type, from text: String) -> T? {
  try? JSON.decode(T.self, from: ByteBuffer(string: text))
}

/// `value` as the JSON text `API` would send: for a raw body built from a typed one.
func jsonText(_ value: some Encodable) throws -> String {
  String(buffer: try JSON.encode(value))
}

/// `Authorization: Bearer <token>`.
func bearer(_ token: String) -> [String: String] { ["Authorization": "Bearer \(token)"] }

/// An answer: status, headers (names lowercased) and body as sent, and the body decoded, as
/// `Value` (`value`, `decoded()`) or as an RFC 9457 problem (`problem`).
struct Answer<Value: Decodable & Sendable>: Sendable, CustomStringConvertible {
  let status: Int
  let headers: [String: String]
  let body: String

  init(status: Int, headers: [String: String], body: String) {
    self.status = status
    self.headers = headers
    self.body = body
  }

  /// An answer the low-level `cluster.get/post` or `Browser.send` gave, to read as `Value`.
  init(_ raw: (status: Int, headers: [String: String], body: String)) {
    self.init(status: raw.status, headers: raw.headers, body: raw.body)
  }

  /// The body as `Value`; nil when it is not one (a problem, another shape, no JSON).
  var value: Value? { try? JSON.decode(Value.self, from: ByteBuffer(string: body)) }

  /// The body as a problem; nil when it is not one.
  var problem: ProblemBody? { try? JSON.decode(ProblemBody.self, from: ByteBuffer(string: body)) }

  /// The body as `Value`, or an issue recorded with the status and body (and the error thrown).
  func decoded(sourceLocation: SourceLocation = #_sourceLocation) throws -> Value {
    do {
      return try JSON.decode(Value.self, from: ByteBuffer(string: body))
    } catch {
      Issue.record("a \(status) answer that is not a \(Value.self) (\(error)): \(body)", sourceLocation: sourceLocation)
      throw error
    }
  }

  var description: String { "\(status) \(body)" }

  /// Status, headers and body as the low-level `cluster.get/post` answer them.
  var raw: (status: Int, headers: [String: String], body: String) { (status, headers, body) }
}

/// The value of an answer whose body only counts as a problem, if at all.
struct NoValue: Decodable, Sendable {
  init(from decoder: any Decoder) throws {}
}

/// An RFC 9457 problem as the gateway writes it (`application/problem+json`, Shared's
/// ProblemResponse): the standard members, and every other string member in `extensions`
/// (e.g. `mfa_token`).
struct ProblemBody: Decodable, Sendable, Equatable {
  var type: String?
  var title: String?
  var status: Int?
  var detail: String?
  var code: String
  var field: String?
  var requestID: String?
  var extensions: [String: String]

  private struct Key: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }

  private static let standard: Set = ["type", "title", "status", "detail", "code", "field", "request_id"]

  init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: Key.self)
    type = try c.decodeIfPresent(String.self, forKey: Key(stringValue: "type"))
    title = try c.decodeIfPresent(String.self, forKey: Key(stringValue: "title"))
    status = try c.decodeIfPresent(Int.self, forKey: Key(stringValue: "status"))
    detail = try c.decodeIfPresent(String.self, forKey: Key(stringValue: "detail"))
    code = try c.decode(String.self, forKey: Key(stringValue: "code"))
    field = try c.decodeIfPresent(String.self, forKey: Key(stringValue: "field"))
    requestID = try c.decodeIfPresent(String.self, forKey: Key(stringValue: "request_id"))
    var extensions: [String: String] = [:]
    for key in c.allKeys where !Self.standard.contains(key.stringValue) {
      if let value = try? c.decode(String.self, forKey: key) { extensions[key.stringValue] = value }
    }
    self.extensions = extensions
  }
}
