import Foundation
import Synchronization
import Testing

@testable import Shared
@testable import TestSupport

struct Work: Codable, Sendable, Equatable {
  var n: Int
}

func fastOptions(maxAttempts: Int = 5, claimIdle: Duration = .seconds(30)) -> JobWorker.Options {
  var options = JobWorker.Options()
  options.retry = RetryPolicy(maxAttempts: maxAttempts, baseDelay: .milliseconds(50), maxDelay: .milliseconds(200))
  options.claimIdle = claimIdle
  options.pollInterval = .milliseconds(50)
  options.block = .milliseconds(200)
  return options
}

/// Runs a worker until `body` returns.
func withWorker<T: Sendable>(
  _ queue: JobQueue, redis: RedisClient, options: JobWorker.Options, consumer: String = "c1",
  handler: @escaping JobWorker.Handler, _ body: () async throws -> T
) async throws -> T {
  let worker = JobWorker(queue: queue, redis: redis, consumer: consumer, options: options, logger: TestEnvironment.logger, handler: handler)
  let running = Task { try await worker.run() }
  defer { running.cancel() }
  return try await body()
}

@Suite(.timeLimit(.minutes(2))) struct JobTests {
  @Test func aJobThatFailsTwiceRunsThreeTimesAndIsAckedOnce() async throws {
    try await withRedis { redis in
      let queue = JobQueue(TestEnvironment.uniqueName("retry"))
      let runs = Counter()
      try await withWorker(
        queue, redis: redis, options: fastOptions(),
        handler: { job in
          runs.add()
          #expect(try job.decode(Work.self) == Work(n: 1))
          if runs.count < 3 { throw TestFailure("not yet") }
        }
      ) {
        try await queue.enqueue(Work(n: 1), on: redis)
        #expect(try await eventually { runs.count >= 3 })
        // Acked and gone from the stream, the retry set and the dead letters: no copy is left
        // to run a fourth time, so the count below is final.
        let finished = try await eventually {
          let pending = try await redis.send("XPENDING", .string(queue.streamKey), "workers").array?.first?.int
          let queued = try await redis.send("XLEN", .string(queue.streamKey)).int
          let delayed = try await redis.send("ZCARD", .string(queue.delayedKey)).int
          return pending == 0 && queued == 0 && delayed == 0
        }
        #expect(finished)
        #expect(runs.count == 3)
        #expect(try await redis.send("XLEN", .string(queue.deadKey)).int == 0)
      }
    }
  }

  @Test func afterTheLastAttemptTheJobIsInTheDeadLetterStream() async throws {
    try await withRedis { redis in
      let queue = JobQueue(TestEnvironment.uniqueName("dead"))
      let runs = Counter()
      try await withWorker(
        queue, redis: redis, options: fastOptions(maxAttempts: 3),
        handler: { _ in
          runs.add()
          throw TestFailure("always")
        }
      ) {
        let job = try await queue.enqueue(Work(n: 9), on: redis)
        #expect(try await eventually { try await redis.send("XLEN", .string(queue.deadKey)).int == 1 })
        #expect(runs.count == 3)
        let dead = try await redis.send("XRANGE", .string(queue.deadKey), "-", "+")
        let fields = dead.array?.first?.array?.last?.array ?? []
        let stored = try JSON.decode(Job.self, from: fields[1].buffer!)
        #expect(stored.id == job.id && stored.attempt == 3)
        #expect(fields[3].string == "always")
      }
    }
  }

  @Test func aJobWhoseConsumerWasKilledIsReclaimedAndFinished() async throws {
    try await withRedis { redis in
      let queue = JobQueue(TestEnvironment.uniqueName("claim"))
      try await redis.send("XGROUP", "CREATE", .string(queue.streamKey), "workers", "0", "MKSTREAM")
      let job = try await queue.enqueue(Work(n: 5), on: redis)
      // A consumer process takes the job and is SIGKILLed before it acks.
      let consumer = Process()
      consumer.executableURL = URL(fileURLWithPath: "/usr/bin/redis-cli")
      consumer.arguments = ["-p", "\(TestEnvironment.redis.port)"]
      let input = Pipe()
      consumer.standardInput = input
      consumer.standardOutput = FileHandle.nullDevice
      try consumer.run()
      input.fileHandleForWriting.write(Data("XREADGROUP GROUP workers doomed COUNT 1 STREAMS \(queue.streamKey) >\n".utf8))
      let taken = try await eventually {
        try await redis.send("XPENDING", .string(queue.streamKey), "workers").array?.first?.int == 1
      }
      #expect(taken)
      kill(consumer.processIdentifier, SIGKILL)
      consumer.waitUntilExit()

      let finished = Mutex<[String]>([])
      try await withWorker(
        queue, redis: redis, options: fastOptions(claimIdle: .milliseconds(400)), consumer: "survivor",
        handler: { job in
          finished.withLock { $0.append(job.id) }
        }
      ) {
        let done = try await eventually { finished.withLock { $0 } == [job.id] }
        #expect(done)
        let acked = try await eventually {
          try await redis.send("XPENDING", .string(queue.streamKey), "workers").array?.first?.int == 0
        }
        #expect(acked)
      }
    }
  }

  @Test func aJobThatKeepsLosingItsConsumerIsDeadLetteredNotReclaimedForever() async throws {
    try await withRedis { redis in
      let queue = JobQueue(TestEnvironment.uniqueName("poison"))
      try await redis.send("XGROUP", "CREATE", .string(queue.streamKey), "workers", "0", "MKSTREAM")
      try await queue.enqueue(Work(n: 6), on: redis)
      // Three consumers in turn take the job and vanish without acking it.
      _ = try await redis.send("XREADGROUP", "GROUP", "workers", "gone-1", "COUNT", "1", "STREAMS", .string(queue.streamKey), ">")
      for n in 2...3 {
        try await Task.sleep(for: .milliseconds(20))
        _ = try await redis.send("XAUTOCLAIM", .string(queue.streamKey), "workers", .string("gone-\(n)"), "10", "0-0")
      }
      let runs = Counter()
      try await withWorker(
        queue, redis: redis, options: fastOptions(maxAttempts: 3, claimIdle: .milliseconds(300)), handler: { _ in runs.add() }
      ) {
        let dead = try await eventually { try await redis.send("XLEN", .string(queue.deadKey)).int == 1 }
        #expect(dead)
        #expect(runs.count == 0)
        #expect(try await redis.send("XLEN", .string(queue.streamKey)).int == 0)
      }
    }
  }
}
