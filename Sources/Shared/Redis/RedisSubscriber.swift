import Foundation
import Logging
import NIOCore
import Synchronization

/// One pub/sub connection per process. Handlers are called on the connection's event loop, so they
/// must only hand the message on (resume a continuation, yield to a stream).
/// `run()` re-subscribes every channel after a reconnect; messages sent while disconnected are lost,
/// which is what pub/sub promises (events are never the only record of anything).
public final class RedisSubscriber: Sendable {
  public typealias Handler = @Sendable (ByteBuffer) -> Void

  /// Channel → handlers; a class so the connection's push callback can share it.
  private final class HandlerTable: Sendable {
    let byChannel = Mutex<[String: [UUID: Handler]]>([:])
  }

  private let table = HandlerTable()
  private let connectedHandlers = Mutex<[@Sendable () -> Void]>([])
  private let slot: RedisConnectionSlot
  private let logger: Logger

  init(endpoint: RedisEndpoint, logger: Logger) {
    self.logger = logger
    let table = self.table
    self.slot = RedisConnectionSlot(endpoint: endpoint) { push in
      guard case .array(let parts) = push, parts.count >= 3,
        let channel = parts[parts.count - 2].string,
        let payload = parts[parts.count - 1].buffer
      else { return }
      let targets = table.byChannel.withLock { $0[channel].map { Array($0.values) } ?? [] }
      for handler in targets { handler(payload) }
    }
  }

  /// Registers `handler` and returns once Redis confirmed the subscription.
  @discardableResult
  public func subscribe(_ channel: String, handler: @escaping Handler) async throws -> Subscription {
    let subscription = register(channel, handler)
    do {
      try await slot.connection().send(RedisCommand("SUBSCRIBE", .string(channel)))
    } catch {
      // run() subscribes it once Redis is back; the handler stays registered.
      logger.warning("subscribe failed, will retry on reconnect", metadata: ["channel": "\(channel)", "error": "\(error)"])
      throw error
    }
    return subscription
  }

  /// Registers `handler` and subscribes now if Redis is reachable; otherwise `run()` subscribes
  /// it as soon as Redis is back. For listeners that must start even while Redis is down.
  public func subscribeEventually(_ channel: String, handler: @escaping Handler) async -> Subscription {
    let subscription = register(channel, handler)
    _ = try? await slot.connection().send(RedisCommand("SUBSCRIBE", .string(channel)))
    return subscription
  }

  private func register(_ channel: String, _ handler: @escaping Handler) -> Subscription {
    let id = SecureRandom.uuid()
    table.byChannel.withLock { $0[channel, default: [:]][id] = handler }
    return Subscription(channel: channel, id: id)
  }

  public func unsubscribe(_ subscription: Subscription) async {
    let empty = table.byChannel.withLock { handlers -> Bool in
      handlers[subscription.channel]?[subscription.id] = nil
      if handlers[subscription.channel]?.isEmpty == true {
        handlers[subscription.channel] = nil
        return true
      }
      return false
    }
    if empty {
      _ = try? await slot.connection().send(RedisCommand("UNSUBSCRIBE", .string(subscription.channel)))
    }
  }

  /// Keeps the connection up and every registered channel subscribed, until cancelled.
  func run() async {
    var failures = 0
    while !Task.isCancelled {
      do {
        let connection = try await slot.connection()
        // One channel per command: each SUBSCRIBE then has exactly one confirmation reply.
        for channel in table.byChannel.withLock({ Array($0.keys) }) {
          try await connection.send(RedisCommand("SUBSCRIBE", .string(channel)))
        }
        failures = 0
        for handler in connectedHandlers.withLock({ $0 }) { handler() }
        await withTaskCancellationHandler {
          await connection.closed()
        } onCancel: {
          connection.close()
        }
        if !Task.isCancelled { logger.warning("redis subscriber connection lost; reconnecting") }
      } catch {
        failures += 1
      }
      try? await Task.sleep(for: RedisConnectionSlot.backoff(afterFailures: failures))
    }
  }

  public func close() { slot.close() }

  /// Calls `handler` each time the connection is up with every channel subscribed again,
  /// the first time included. What was published while it was down is lost, so a listener
  /// that must not miss anything reloads its state then.
  public func onConnected(_ handler: @escaping @Sendable () -> Void) {
    connectedHandlers.withLock { $0.append(handler) }
  }

  public struct Subscription: Sendable {
    let channel: String
    let id: UUID
  }
}
