import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// The process-wide Redis client: a few shared connections that pipeline commands from every
/// task, plus dedicated connections for blocking commands (`connectionForBlocking()`) and one
/// subscriber for pub/sub (`subscriber`).
public final class RedisClient: Sendable {
  public let endpoint: RedisEndpoint
  private let shared: [RedisConnectionSlot]
  private let next = Atomic<Int>(0)
  public let subscriber: RedisSubscriber

  public init(endpoint: RedisEndpoint, sharedConnections: Int = 2, logger: Logger) {
    self.endpoint = endpoint
    self.shared = (0..<max(1, sharedConnections)).map { _ in RedisConnectionSlot(endpoint: endpoint) }
    self.subscriber = RedisSubscriber(endpoint: endpoint, logger: logger)
  }

  /// Runs one command on a shared connection (round robin).
  @discardableResult
  public func send(_ command: RedisCommand, timeout: TimeAmount? = RedisConnection.defaultTimeout) async throws -> RESPValue {
    let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
    let slot = shared[index % shared.count]
    return try await slot.connection().send(command, timeout: timeout)
  }

  @discardableResult
  public func send(_ arguments: RedisArgument...) async throws -> RESPValue {
    try await send(RedisCommand(arguments))
  }

  /// A connection of its own for a loop of blocking commands (BLMPOP, XREADGROUP BLOCK).
  /// It reconnects like the shared ones; close it with `close()` when the loop ends.
  public func connectionForBlocking() -> DedicatedRedisConnection {
    DedicatedRedisConnection(slot: RedisConnectionSlot(endpoint: endpoint))
  }

  /// Round-trip time of a PING on a shared connection.
  public func ping() async throws -> Duration {
    let start = ContinuousClock.now
    _ = try await send(RedisCommand("PING"), timeout: .seconds(1))
    return ContinuousClock.now - start
  }

  public func close() {
    for connection in shared { connection.close() }
  }
}

/// A connection used by one loop only, for commands that block on the server.
public struct DedicatedRedisConnection: Sendable {
  let slot: RedisConnectionSlot

  @discardableResult
  public func send(_ command: RedisCommand, timeout: TimeAmount?) async throws -> RESPValue {
    try await slot.connection().send(command, timeout: timeout)
  }

  public func close() { slot.close() }
}

extension RedisClient: Service {
  /// Keeps the subscriber connected until graceful shutdown, then closes every connection.
  /// List it first in a ServiceGroup so it stops last, after the work that still needs Redis.
  public func run() async throws {
    await withDiscardingTaskGroup { group in
      group.addTask { await self.subscriber.run() }
      try? await gracefulShutdown()
      group.cancelAll()
    }
    subscriber.close()
    close()
  }
}
