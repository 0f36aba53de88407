import Foundation
import NIOCore
import Testing

@testable import Shared
@testable import TestSupport

@Suite(.timeLimit(.minutes(2))) struct RedisClientTests {
  @Test func thousandConcurrentCommandsShareTwoConnections() async throws {
    // A Redis of the test's own, and a client that is not run: its subscriber never dials, so
    // every connection this Redis accepts from now on is one of the shared ones.
    let server = try RedisServerProcess()
    try await server.start()
    defer { server.kill() }
    let redis = RedisClient(endpoint: server.endpoint, sharedConnections: 2, logger: TestEnvironment.logger)
    defer { redis.close() }
    func accepted() async throws -> Int? {
      let info = try await redis.send("INFO", "stats").string ?? ""
      return info.split(whereSeparator: \.isNewline).first { $0.hasPrefix("total_connections_received:") }
        .flatMap { Int($0.split(separator: ":")[1]) }
    }
    let before = try #require(try await accepted())  // dials the first shared connection
    try await withThrowingTaskGroup(of: Void.self) { group in
      for _ in 0..<1000 {
        group.addTask { try await redis.send("INCR", "gh:test:counter") }
      }
      try await group.waitForAll()
    }
    #expect(try await redis.send("GET", "gh:test:counter").int == 1000)
    // One more dialled (the second), none closed: two open, and two in all for the 1000 commands.
    let after = try #require(try await accepted())
    #expect(after - before == 1, "\(after - before) more connections dialled for 1000 commands")
    let open = try await redis.send("CLIENT", "LIST").string ?? ""
    #expect(open.split(whereSeparator: \.isNewline).count == 2, "\(open)")
  }

  @Test func scriptsRunByShaAndSurviveAScriptFlush() async throws {
    let server = try RedisServerProcess()
    try await server.start()
    defer { server.kill() }
    try await withRedis(server.endpoint) { redis in
      let script = RedisScript("return ARGV[1] .. '!'")
      #expect(try await script.run(on: redis, keys: [], arguments: ["a"]).string == "a!")
      try await redis.send("SCRIPT", "FLUSH")
      #expect(try await script.run(on: redis, keys: [], arguments: ["b"]).string == "b!")
      // EVAL cached it again: the sha is known now.
      #expect(try await redis.send("SCRIPT", "EXISTS", .string(script.sha1)).array == [.integer(1)])
    }
  }

  @Test func errorRepliesAreThrownWithTheServerMessage() async throws {
    try await withRedis { redis in
      await #expect(throws: RedisError.self) { try await redis.send("NOSUCHCOMMAND") }
      // The connection is still usable afterwards.
      let pong = try await redis.send("PING").string
      #expect(pong == "PONG")
    }
  }

  @Test func aBlockedCommandFailsWhenItsConnectionIsKilled() async throws {
    try await withRedis { redis in
      let connection = redis.connectionForBlocking()
      defer { connection.close() }
      let name = TestEnvironment.uniqueName("blocked")
      try await connection.send(RedisCommand("CLIENT", "SETNAME", .string(name)), timeout: .seconds(1))
      let blocked = Task { try await connection.send(RedisCommand("BLPOP", .string("gh:test:\(name)"), "30"), timeout: .seconds(40)) }
      // Killed once the server shows it blocked in BLPOP.
      var line: Substring?
      #expect(
        try await eventually {
          line = (try await redis.send("CLIENT", "LIST").string ?? "").split(separator: "\n").first { $0.contains("name=\(name)") }
          return line?.contains("cmd=blpop") == true && line?.contains("flags=b") == true
        }, "\(String(describing: line))")
      let id = line?.split(separator: " ").first { $0.hasPrefix("id=") }?.dropFirst(3)
      try await redis.send("CLIENT", "KILL", "ID", .string(String(id ?? "")))
      // Closed under it: its 30 s block would end with a nil reply, its 40 s limit with RedisError.timeout.
      await #expect { try await blocked.value } throws: { error in
        if case RedisError.connectionClosed = error { return true } else { return false }
      }
    }
  }

  @Test func commandsFailFastWhileRedisIsDownAndWorkAgainAfterItReturns() async throws {
    let server = try RedisServerProcess()
    try await server.start()
    try await withRedis(server.endpoint) { redis in
      #expect(try await redis.send("PING").string == "PONG")
      server.kill()
      // Each fails on the refused connection rather than waiting out its 5 s time limit
      // (which would throw RedisError.timeout).
      for _ in 0..<2 {
        await #expect { try await redis.send("PING") } throws: { error in
          guard let error = error as? RedisError else { return false }
          if case .timeout = error { return false } else { return true }
        }
      }
      try await server.start()
      let back = try await eventually(timeout: .seconds(10)) { try await redis.send("PING").string == "PONG" }
      #expect(back)
    }
    server.kill()
  }

  @Test func subscriberResubscribesAfterRedisRestarts() async throws {
    let server = try RedisServerProcess()
    try await server.start()
    defer { server.kill() }
    try await withRedis(server.endpoint) { redis in
      let events = EventBus(redis: redis, logger: TestEnvironment.logger)
      let topic = EventTopic<[String]>("gh:ev:test")
      let stream = await events.subscribe(topic)
      server.kill()
      try await server.start()
      // Publish until the subscriber is back (publishing before it resubscribed reaches nobody).
      let delivered = try await eventually(timeout: .seconds(10)) { try await events.publish(topic, ["hello"]) > 0 }
      #expect(delivered)
      var iterator = stream.makeAsyncIterator()
      #expect(await iterator.next() == ["hello"])
    }
  }
}
