import Logging
import NIOCore

/// A pub/sub channel and the type of what is published on it. At most once: events invalidate
/// caches and wake waiters; they are never the only record of anything.
public struct EventTopic<Payload: Codable & Sendable>: Sendable {
  public let channel: String
  public init(_ channel: String) { self.channel = channel }
}

/// Publishes and subscribes typed events over Redis pub/sub.
public struct EventBus: Sendable {
  let redis: RedisClient
  let logger: Logger

  public init(redis: RedisClient, logger: Logger) {
    self.redis = redis
    self.logger = logger
  }

  /// Returns how many subscribers received it.
  @discardableResult
  public func publish<Payload>(_ topic: EventTopic<Payload>, _ payload: Payload) async throws -> Int {
    let reply = try await redis.send(RedisCommand("PUBLISH", .string(topic.channel), .bytes(try JSON.encode(payload))))
    return reply.int ?? 0
  }

  /// Events on `topic` from now on, starting even while Redis is down. Undecodable payloads are
  /// logged and skipped. The stream survives reconnects (messages published while disconnected
  /// are lost).
  public func subscribe<Payload>(_ topic: EventTopic<Payload>) async -> AsyncStream<Payload> {
    let (stream, continuation) = AsyncStream.makeStream(of: Payload.self, bufferingPolicy: .bufferingNewest(1024))
    let logger = self.logger
    let subscription = await redis.subscriber.subscribeEventually(topic.channel) { buffer in
      do {
        continuation.yield(try JSON.decode(Payload.self, from: buffer))
      } catch {
        logger.warning("undecodable event", metadata: ["channel": "\(topic.channel)", "error": "\(error)"])
      }
    }
    let subscriber = redis.subscriber
    continuation.onTermination = { _ in
      Task { await subscriber.unsubscribe(subscription) }
    }
    return stream
  }
}
