import Logging
import Metrics
import NIOCore
import ServiceLifecycle
import Synchronization

/// Runs the jobs of one queue, at least once each.
///
/// Reads new entries with XREADGROUP, acks (and deletes) after the handler succeeds, schedules a
/// failed job's next attempt in the delayed set, and after the last attempt moves it to the
/// dead-letter stream. Entries that another consumer took and never acked (it died) are taken over
/// with XAUTOCLAIM once idle for `claimIdle`. Handlers must therefore be idempotent.
public final class JobWorker: Service {
  public typealias Handler = @Sendable (Job) async throws -> Void

  public struct Options: Sendable {
    public var concurrency = 8
    public var retry = RetryPolicy()
    public var claimIdle: Duration = .seconds(30)
    public var pollInterval: Duration = .milliseconds(250)
    public var block: Duration = .seconds(1)
    /// At shutdown, how long jobs in flight get to finish. One stuck longer (on a connection
    /// PostgreSQL dropped, say) is left to its lease, as after a crash: unacked, another
    /// instance takes it over. Shorter than the process's shutdown grace, so the services
    /// stopped after the workers still get theirs.
    public var drain: Duration = .seconds(3)
    public init() {}
  }

  private let queue: JobQueue
  private let redis: RedisClient
  private let consumer: String
  private let options: Options
  private let handler: Handler
  private let logger: Logger
  private let permits: AsyncPermits
  private let jobsInFlight = Mutex(0)

  public init(
    queue: JobQueue, redis: RedisClient, consumer: String, options: Options = Options(), logger: Logger, handler: @escaping Handler
  ) {
    self.queue = queue
    self.redis = redis
    self.consumer = consumer
    self.options = options
    self.handler = handler
    self.logger = logger
    self.permits = AsyncPermits(options.concurrency)
  }

  private var running: Bool { !Task.isCancelled && !Task.isShuttingDownGracefully }

  public func run() async throws {
    await withDiscardingTaskGroup { group in
      group.addTask { await self.readLoop() }
      group.addTask { await self.maintenanceLoop() }
    }
    logger.info("job worker stopped", metadata: ["queue": "\(queue.name)"])
  }

  private func ensureGroup() async throws {
    do {
      try await redis.send(RedisCommand("XGROUP", "CREATE", .string(queue.streamKey), .string(JobQueue.group), "0", "MKSTREAM"))
    } catch RedisError.server(let message) where message.hasPrefix("BUSYGROUP") {
      // Another worker created it first.
    }
  }

  private func readLoop() async {
    let connection = redis.connectionForBlocking()
    defer { connection.close() }
    var failures = 0
    var groupReady = false
    let blockMs = Int(options.block.milliseconds)
    do {
      while running {
        // Jobs stuck past shutdown hold every permit: shutdown wakes this wait with one
        // permit more, and the loop ends instead of waiting for them.
        await withGracefulShutdownHandler {
          await permits.acquire()
        } onGracefulShutdown: {
          self.permits.release()
        }
        guard running else { break }
        let taken = 1 + permits.tryAcquire(upTo: options.concurrency - 1)
        var entries: [StreamEntry] = []
        do {
          if !groupReady {
            try await ensureGroup()
            groupReady = true
          }
          let reply = try await connection.send(
            RedisCommand(
              "XREADGROUP", "GROUP", .string(JobQueue.group), .string(consumer),
              "COUNT", .int(taken), "BLOCK", .int(blockMs), "STREAMS", .string(queue.streamKey), ">"),
            timeout: .milliseconds(Int64(blockMs) + 5000))
          entries = reply.array?.first?.array?.last?.array?.map(StreamEntry.parse) ?? []
          failures = 0
        } catch {
          failures += 1
          if case RedisError.server(let message) = error, message.hasPrefix("NOGROUP") { groupReady = false }
          if failures == 1 { logger.warning("job read failed", metadata: ["queue": "\(queue.name)", "error": "\(error)"]) }
          try? await Task.sleep(for: RedisConnectionSlot.backoff(afterFailures: failures))
        }
        permits.release(taken - entries.count)
        for entry in entries {
          // Unstructured: shutdown waits for jobs only as long as `drain` (below).
          jobsInFlight.withLock { $0 += 1 }
          Task {
            await self.process(entry)
            self.permits.release()
            self.jobsInFlight.withLock { $0 -= 1 }
          }
        }
      }
    }
    let deadline = ContinuousClock.now + options.drain
    while jobsInFlight.withLock({ $0 }) > 0, ContinuousClock.now < deadline, !Task.isCancelled {
      try? await Task.sleep(for: .milliseconds(20))
    }
    let left = jobsInFlight.withLock { $0 }
    if left > 0 { logger.warning("jobs left to their lease at shutdown", metadata: ["queue": "\(queue.name)", "jobs": "\(left)"]) }
  }

  /// Moves due retries into the stream and takes over entries abandoned by dead consumers.
  private func maintenanceLoop() async {
    var lastClaim = ContinuousClock.now
    while running {
      do {
        _ = try await JobScripts.moveDue.run(
          on: redis, keys: [queue.delayedKey, queue.streamKey],
          arguments: [.int(100), .int(JobQueue.maxLength)])
        if ContinuousClock.now - lastClaim >= options.claimIdle / 2 {
          lastClaim = .now
          try await claimAbandoned()
        }
      } catch {
        logger.debug("job maintenance failed", metadata: ["queue": "\(queue.name)", "error": "\(error)"])
      }
      await pause(for: options.pollInterval)
    }
  }

  private func claimAbandoned() async throws {
    let idleMs = Int(options.claimIdle.milliseconds)
    var cursor = "0-0"
    repeat {
      let reply = try await redis.send(
        RedisCommand(
          "XAUTOCLAIM", .string(queue.streamKey), .string(JobQueue.group), .string(consumer),
          .int(idleMs), .string(cursor), "COUNT", "16"))
      guard let parts = reply.array, parts.count >= 2 else { return }
      cursor = parts[0].string ?? "0-0"
      let entries = parts[1].array?.map(StreamEntry.parse) ?? []
      for entry in entries where entry.job != nil {
        // Taken over but not started: left pending, so another worker takes it after claimIdle.
        guard running else { return }
        // A job whose consumers keep dying while running it would be taken over forever:
        // past the attempt limit in deliveries, it is dead-lettered instead.
        let deliveries = try await deliveryCount(of: entry.id)
        if deliveries > options.retry.maxAttempts, let job = entry.job {
          try await deadLetter(job, entryID: entry.id, reason: "abandoned by \(deliveries - 1) consumers")
          continue
        }
        logger.info(
          "took over an abandoned job",
          metadata: ["queue": "\(queue.name)", "job_id": "\(entry.job?.id ?? "")", "deliveries": "\(deliveries)"])
        await permits.acquire()
        await process(entry)
        permits.release()
      }
    } while cursor != "0-0" && running
  }

  /// How many times the stream delivered this entry (XPENDING's counter).
  private func deliveryCount(of entryID: String) async throws -> Int {
    let reply = try await redis.send(
      RedisCommand(
        "XPENDING", .string(queue.streamKey), .string(JobQueue.group), .string(entryID), .string(entryID), "1"))
    return reply.array?.first?.array?.last?.int ?? 1
  }

  private func deadLetter(_ job: Job, entryID: String, reason: String) async throws {
    _ = try await JobScripts.deadLetter.run(
      on: redis, keys: [queue.streamKey, queue.deadKey],
      arguments: [.string(JobQueue.group), .string(entryID), .bytes(try JSON.encode(job)), .string(reason), .int(JobQueue.maxLength)])
    logger.error("job dead-lettered", metadata: ["job_id": "\(job.id)", "queue": "\(queue.name)", "reason": "\(reason)"])
    count("dead")
  }

  private func process(_ entry: StreamEntry) async {
    guard let job = entry.job else {
      // Not a job we can read: dead-letter it rather than loop on it.
      _ = try? await JobScripts.deadLetter.run(
        on: redis, keys: [queue.streamKey, queue.deadKey],
        arguments: [.string(JobQueue.group), .string(entry.id), .string("{}"), "unreadable entry", .int(JobQueue.maxLength)])
      return
    }
    var logger = self.logger
    logger[metadataKey: "job_id"] = "\(job.id)"
    logger[metadataKey: "queue"] = "\(queue.name)"
    let start = ContinuousClock.now
    defer {
      Timer(label: "gatehouse_job_duration_seconds", dimensions: [("queue", queue.name)]).record(duration: ContinuousClock.now - start)
    }
    do {
      try await handler(job)
    } catch {
      await fail(job, entry: entry, error: error, logger: logger)
      return
    }
    // The job is done whatever happens next: a lost ack only means it may run again after
    // claimIdle (at least once), never that it counts as failed.
    do {
      try await redis.send(RedisCommand("XACK", .string(queue.streamKey), .string(JobQueue.group), .string(entry.id)))
      _ = try? await redis.send(RedisCommand("XDEL", .string(queue.streamKey), .string(entry.id)))
      count("done")
    } catch {
      logger.warning("job done but not acknowledged; it may run again", metadata: ["error": "\(error)"])
    }
  }

  private func fail(_ job: Job, entry: StreamEntry, error: any Error, logger: Logger) async {
    do {
      if job.attempt < options.retry.maxAttempts {
        var next = job
        next.attempt += 1
        let delay = options.retry.delay(afterAttempt: job.attempt)
        let delayMs = Int(delay.milliseconds)
        _ = try await JobScripts.retryLater.run(
          on: redis, keys: [queue.streamKey, queue.delayedKey],
          arguments: [.string(JobQueue.group), .string(entry.id), .int(delayMs), .bytes(try JSON.encode(next))])
        logger.warning("job failed; will retry", metadata: ["attempt": "\(job.attempt)", "retry_in_ms": "\(delayMs)", "error": "\(error)"])
        count("retried")
      } else {
        try await deadLetter(job, entryID: entry.id, reason: "\(error)")
      }
    } catch {
      // Left unacked: XAUTOCLAIM hands it to a worker again after claimIdle.
      logger.warning("could not record a job failure", metadata: ["error": "\(error)"])
    }
  }

  private func count(_ outcome: String) {
    Counter(label: "gatehouse_jobs_total", dimensions: [("queue", queue.name), ("outcome", outcome)]).increment()
  }
}

/// One stream entry: its id and the job in its `job` field.
struct StreamEntry: Sendable {
  let id: String
  let job: Job?

  static func parse(_ value: RESPValue) -> StreamEntry {
    guard let parts = value.array, let id = parts.first?.string else { return StreamEntry(id: "", job: nil) }
    let fields = parts.count > 1 ? (parts[1].array ?? []) : []
    var job: Job?
    var index = 0
    while index + 1 < fields.count {
      if fields[index].string == "job", let buffer = fields[index + 1].buffer {
        job = try? JSON.decode(Job.self, from: buffer)
      }
      index += 2
    }
    return StreamEntry(id: id, job: job)
  }
}

extension JobWorker: CustomStringConvertible {
  public var description: String { "job worker \(queue.name)" }
}
