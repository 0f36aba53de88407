import Logging
import PostgresNIO
import ServiceLifecycle

/// Runs `Outbox.sweep` every `interval` until graceful shutdown.
public struct OutboxSweeper: Service {
  let outbox: Outbox
  /// The queue whose rows it sweeps (every queue's when nil): a table may serve several workers.
  let queue: JobQueue?
  let client: Database
  let redis: RedisClient
  let interval: Duration
  let logger: Logger

  public init(
    outbox: Outbox, queue: JobQueue? = nil, client: Database, redis: RedisClient, interval: Duration = .seconds(5), logger: Logger
  ) {
    self.outbox = outbox
    self.queue = queue
    self.client = client
    self.redis = redis
    self.interval = interval
    self.logger = logger
  }

  public func run() async throws {
    while !Task.isCancelled && !Task.isShuttingDownGracefully {
      do {
        _ = try await outbox.sweep(client: client, redis: redis, queue: queue, logger: logger)
      } catch {
        logger.warning("outbox sweep failed", metadata: ["table": "\(outbox.table)", "error": "\(StatementRefused.loggable(error))"])
      }
      await pause(for: interval)
    }
  }
}
