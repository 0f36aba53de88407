import Logging
import Metrics
import NIOCore
import ServiceLifecycle

/// Consumes `gh:rpc:<service>` and answers on each request's `reply_to`.
///
/// Several poppers (each with its own connection, since BLMPOP blocks it) take up to 16 requests
/// at a time, never more than the free in-flight permits. Requests past their deadline are dropped
/// unexecuted. A heartbeat keeps this instance in `gh:alive:<service>` so callers know someone
/// listens. On graceful shutdown it leaves the alive set, stops popping and finishes what it holds.
public final class RPCServer: Service {
  public struct Options: Sendable {
    public var concurrency = 64
    public var poppers = 2
    public var batch = 16
    public var heartbeatInterval: Duration = .seconds(1)
    public var heartbeatTTLMs = 3000
    public init() {}
  }

  private let router: RPCRouter
  private let redis: RedisClient
  private let instanceID: String
  private let options: Options
  private let logger: Logger
  private let permits: AsyncPermits

  public init(router: RPCRouter, redis: RedisClient, instanceID: String, options: Options = Options(), logger: Logger) {
    self.router = router
    self.redis = redis
    self.instanceID = instanceID
    self.options = options
    self.logger = logger
    self.permits = AsyncPermits(options.concurrency)
  }

  public func run() async throws {
    await withDiscardingTaskGroup { group in
      group.addTask { await self.heartbeatLoop() }
      for _ in 0..<options.poppers {
        group.addTask { await self.popLoop() }
      }
    }
    // Leave the alive set so callers get 503 at once when the last instance is gone.
    _ = try? await redis.send("ZREM", .string(router.service.aliveKey), .string(instanceID))
    logger.info("rpc server stopped", metadata: ["service": "\(router.service)"])
  }

  private var running: Bool { !Task.isCancelled && !Task.isShuttingDownGracefully }

  private func heartbeatLoop() async {
    while running {
      do {
        _ = try await RPCScripts.heartbeat.run(
          on: redis, keys: [router.service.aliveKey],
          arguments: [.string(instanceID), .int(options.heartbeatTTLMs)])
      } catch {
        logger.debug("rpc heartbeat failed", metadata: ["error": "\(error)"])
      }
      await pause(for: options.heartbeatInterval)
    }
  }

  private func popLoop() async {
    let connection = redis.connectionForBlocking()
    defer { connection.close() }
    var failures = 0
    await withDiscardingTaskGroup { inFlight in
      while running {
        await permits.acquire()
        let taken = 1 + permits.tryAcquire(upTo: options.batch - 1)
        var requests: [ByteBuffer] = []
        do {
          let reply = try await connection.send(
            RedisCommand("BLMPOP", "1", "1", .string(router.service.queueKey), "RIGHT", "COUNT", .int(taken)),
            timeout: .seconds(6))
          requests = reply.array?.last?.array?.compactMap(\.buffer) ?? []
          failures = 0
        } catch {
          failures += 1
          if failures == 1 { logger.warning("rpc pop failed", metadata: ["error": "\(error)"]) }
          try? await Task.sleep(for: RedisConnectionSlot.backoff(afterFailures: failures))
        }
        permits.release(taken - requests.count)
        for request in requests {
          inFlight.addTask {
            await self.handle(request)
            self.permits.release()
          }
        }
      }
    }
  }

  private func handle(_ raw: ByteBuffer) async {
    let start = ContinuousClock.now
    let outcome: RPCOutcome
    if let method = RPCEnvelopeHeader.method(of: raw), let handler = router.handlers[method] {
      outcome = await handler(raw, logger)
    } else {
      outcome = router.unknownMethod(raw)
    }
    switch outcome {
    case .reply(let replyTo, let reply, let method):
      do {
        try await redis.send(RedisCommand("PUBLISH", .string(replyTo), .bytes(reply)))
      } catch {
        logger.warning("rpc reply not published", metadata: ["method": "\(method)", "error": "\(error)"])
      }
      count(method, "answered")
      Timer(label: "gatehouse_rpc_server_duration_seconds", dimensions: [("method", method)])
        .record(duration: ContinuousClock.now - start)
    case .expired(let method):
      count(method, "expired")
      logger.debug("dropped an expired rpc request", metadata: ["method": "\(method)"])
    case .malformed:
      count("?", "malformed")
      logger.warning("dropped a malformed rpc envelope")
    }
  }

  private func count(_ method: String, _ outcome: String) {
    Counter(label: "gatehouse_rpc_server_requests_total", dimensions: [("method", method), ("outcome", outcome)]).increment()
  }
}
