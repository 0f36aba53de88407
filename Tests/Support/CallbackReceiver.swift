import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

@testable import Shared

/// A real HTTP server standing in for a service provider's callback endpoint: it records every
/// delivery and answers with the statuses it was given, in order (then 200), optionally slowly,
/// and with a `Location` header when given one (an SP endpoint that redirects).
final class CallbackReceiver: Sendable {
  struct Delivery: Sendable {
    let deliveryID: String
    let timestamp: String
    let signature: String
    let body: String
    /// Every header, names lowercased.
    var headers: [String: String] = [:]

    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:] }

    /// The body as the callback idp-service sends; nil when it is not one.
    var callback: CallbackBody? { try? JSON.decode(CallbackBody.self, from: ByteBuffer(string: body)) }

    /// Checks `X-Gatehouse-Signature` as an SP would (docs/idp.md): HMAC-SHA256 over
    /// "timestamp.delivery_id.body" under the decoded webhook secret; `deliveryID` is the
    /// `X-Gatehouse-Delivery` header unless a test passes another.
    func signatureIsValid(secret: [UInt8], deliveryID: String? = nil) -> Bool {
      let signed = "\(timestamp).\(deliveryID ?? self.deliveryID).\(body)"
      let mac = HMAC<SHA256>.authenticationCode(for: Array(signed.utf8), using: SymmetricKey(data: secret))
      return signature == "v1=" + mac.map { String(format: "%02x", $0) }.joined()
    }
  }

  actor Log {
    var deliveries: [Delivery] = []
    var statuses: [Int]
    let delay: Duration

    init(statuses: [Int], delay: Duration) {
      self.statuses = statuses
      self.delay = delay
    }

    func record(_ delivery: Delivery) -> Int {
      deliveries.append(delivery)
      return statuses.isEmpty ? 200 : statuses.removeFirst()
    }
  }

  let log: Log
  let port: Int
  private let task: Task<Void, any Error>

  /// Starts on a free loopback port; `statuses` are the answers to the first deliveries. A GET is
  /// recorded too: a client that followed a redirect might send one.
  init(statuses: [Int] = [], delay: Duration = .zero, location: String? = nil) async throws {
    let log = Log(statuses: statuses, delay: delay)
    let router = Router()
    let handler: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
      let body = try await request.body.collect(upTo: 1 << 20)
      let status = await log.record(
        Delivery(
          deliveryID: request.headers[HTTPField.Name("X-Gatehouse-Delivery")!] ?? "",
          timestamp: request.headers[HTTPField.Name("X-Gatehouse-Timestamp")!] ?? "",
          signature: request.headers[HTTPField.Name("X-Gatehouse-Signature")!] ?? "",
          body: String(buffer: body),
          headers: Dictionary(request.headers.map { ($0.name.canonicalName, $0.value) }) { $1 }))
      if log.delay > .zero { try await Task.sleep(for: log.delay) }
      return Response(status: .init(code: status), headers: location.map { [.location: $0] } ?? [:])
    }
    router.post("callback", use: handler)
    router.get("callback", use: handler)
    let (bound, task) = await startLoopbackServer(router, label: "sp-callback-receiver")
    self.task = task
    self.log = log
    self.port = bound
  }

  var url: String { "http://127.0.0.1:\(port)/callback" }

  func deliveries() async -> [Delivery] { await log.deliveries }

  /// The first callback about transaction `id`, once it has arrived. Delivery is at least once
  /// (docs/idp.md): under load a callback whose answer came late is sent again, so a test
  /// looks for the transaction, not for a count.
  func delivery(of id: String, timeout: Duration = .seconds(15)) async throws -> Delivery? {
    _ = try await eventually(timeout: timeout) { await deliveries().contains { $0.callback?.transactionID == id } }
    return await deliveries().first { $0.callback?.transactionID == id }
  }

  func stop() { task.cancel() }
}
