import Foundation
import NIOCore
import Testing
@testable import Shared

@Suite struct RedisClientTests {
    @Test func thousandConcurrentCommandsShareTwoConnections() async throws {
        try await withRedis { redis in
            let key = TestEnvironment.uniqueName("gh:test:counter")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<1000 {
                    group.addTask { try await redis.send("INCR", .string(key)) }
                }
                try await group.waitForAll()
            }
            #expect(try await redis.send("GET", .string(key)).int == 1000)
            try await redis.send("DEL", .string(key))
        }
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
            try await Task.sleep(for: .milliseconds(200))
            let started = ContinuousClock.now
            let list = try await redis.send("CLIENT", "LIST").string ?? ""
            let id = list.split(separator: "\n").first { $0.contains("name=\(name)") }?
                .split(separator: " ").first { $0.hasPrefix("id=") }?.dropFirst(3)
            try await redis.send("CLIENT", "KILL", "ID", .string(String(id ?? "")))
            // Closed under it, not left to its 30 s block or 40 s time limit.
            await #expect { try await blocked.value } throws: { error in
                if case RedisError.connectionClosed = error { return true } else { return false }
            }
            #expect(ContinuousClock.now - started < .seconds(20))
        }
    }

    @Test func commandsFailFastWhileRedisIsDownAndWorkAgainAfterItReturns() async throws {
        let server = try RedisServerProcess()
        try await server.start()
        try await withRedis(server.endpoint) { redis in
            #expect(try await redis.send("PING").string == "PONG")
            server.kill()
            let started = ContinuousClock.now
            // Each fails on the refused connection rather than waiting out its 5 s time limit.
            for _ in 0..<2 {
                await #expect { try await redis.send("PING") } throws: { error in
                    guard let error = error as? RedisError else { return false }
                    if case .timeout = error { return false } else { return true }
                }
            }
            #expect(ContinuousClock.now - started < .seconds(9))
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
