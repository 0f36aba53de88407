import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import Shared
import Synchronization

/// Delivers SP callbacks (docs/idp.md): POST to the SP's callback_url with
/// `X-Gatehouse-Delivery` (the same on every attempt), `X-Gatehouse-Timestamp` and
/// `X-Gatehouse-Signature`, and the same signed again as Standard Webhooks (`webhook-id`,
/// `webhook-timestamp`, `webhook-signature`). A 2xx is delivered; anything else, or no answer within the time
/// limit, is retried with back-off until the attempts or the 24 h run out, then dead.
/// The first attempt is usually made by the instance that decided (`DirectCallbacks`); job
/// workers make the rest, and any the decider could not take.
struct CallbackDelivery: Sendable {
  static let queue = JobQueue("idp.callbacks")

  /// One client for the process, never shut down: callbacks still in flight when it exits
  /// are left to the lease and the sweeper. Callbacks go to a checked address of the URL
  /// registered (resolved and checked again at every send), never where a redirect points.
  private static let client = Mutex<GuardedHTTPClient?>(nil)

  static func http(environment: DeploymentEnvironment, timeout: Duration) -> GuardedHTTPClient {
    client.withLock { client in
      if let client { return client }
      let made = GuardedHTTPClient(policy: OutboundAddressPolicy(environment: environment), longestRequest: timeout)
      client = made
      return made
    }
  }

  let deliveries: DeliveryStore
  let providers: ServiceProviderStore
  let settings: CallbackSettings
  let http: GuardedHTTPClient
  let logger: Logger

  struct Payload: Codable, Sendable {
    let deliveryID: UUID
    let attempts: Int

    enum CodingKeys: String, CodingKey {
      case deliveryID = "delivery_id"
      case attempts
    }
  }

  static func enqueue(_ delivery: UUID, attempts: Int, redis: RedisClient) async throws {
    _ = try await queue.enqueue(Payload(deliveryID: delivery, attempts: attempts), on: redis)
  }

  func handle(_ job: Job) async throws {
    let payload = try job.decode(Payload.self)
    guard let claimed = try await deliveries.claim(payload.deliveryID, attempts: payload.attempts, lease: settings.lease) else { return }
    try await attempt(claimed)
  }

  /// One attempt at a claimed delivery, and its outcome recorded.
  func attempt(_ claimed: DeliveryStore.Claimed) async throws {
    guard let target = try await providers.callbackTarget(spID: claimed.spID) else {
      try await deliveries.failed(claimed, statusCode: nil, error: "the service provider no longer exists", retryIn: .zero, dead: true)
      return
    }
    let timestamp = Int(Date().timeIntervalSince1970)
    var request = HTTPClientRequest(url: target.url)
    request.method = .POST
    request.headers.add(name: "Content-Type", value: "application/json")
    request.headers.add(name: "User-Agent", value: "Gatehouse-Callback/1")
    request.headers.add(name: "X-Gatehouse-Delivery", value: claimed.id.uuidString.lowercased())
    request.headers.add(name: "X-Gatehouse-Timestamp", value: String(timestamp))
    request.headers.add(
      name: "X-Gatehouse-Signature",
      value: WebhookSignature.sign(body: claimed.body, deliveryID: claimed.id, timestamp: timestamp, secret: target.secret))
    request.headers.add(name: "webhook-id", value: claimed.id.uuidString.lowercased())
    request.headers.add(name: "webhook-timestamp", value: String(timestamp))
    request.headers.add(
      name: "webhook-signature",
      value: WebhookSignature.standard(body: claimed.body, deliveryID: claimed.id, timestamp: timestamp, secret: target.secret))
    request.body = .bytes(ByteBuffer(string: claimed.body))
    var statusCode: Int?
    // What the SP's owner may read (the deliveries view, the dead-letter audit row) is one of
    // OutboundFailure's phrases; the error itself, which names addresses and ports, is logged.
    let failure: String
    let detail: String
    do {
      let response = try await http.execute(request, timeout: .milliseconds(Int64(settings.timeout.seconds * 1000)))
      _ = try? await response.body.collect(upTo: 64 * 1024)
      statusCode = Int(response.status.code)
      if (200..<300).contains(response.status.code) {
        try await deliveries.delivered(claimed, statusCode: Int(response.status.code))
        logger.info("callback delivered", metadata: ["delivery_id": "\(claimed.id)", "attempt": "\(claimed.attempt)"])
        return
      }
      failure = OutboundFailure.answered(response.status.code)
      detail = failure
    } catch {
      failure = OutboundFailure.reason(error)
      detail = (error as? OutboundRefusal)?.reason ?? String(describing: error).prefix(200).description
    }
    let dead = claimed.attempt >= settings.maxAttempts || Date().timeIntervalSince(claimed.createdAt) >= settings.maxAge.seconds
    try await deliveries.failed(
      claimed, statusCode: statusCode, error: failure, retryIn: settings.retryDelay(after: claimed.attempt), dead: dead)
    logger.warning(
      dead ? "callback dead-lettered" : "callback failed; will retry",
      metadata: ["delivery_id": "\(claimed.id)", "attempt": "\(claimed.attempt)", "error": "\(detail)"])
  }
}
