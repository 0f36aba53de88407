import Foundation
import Logging
import NIOCore
import Synchronization
import Testing

@testable import Shared
@testable import TestSupport

struct Echo: Codable, Sendable, Equatable {
  var value: Int
  var traceID: String?
  var sleepMs: Int?
}

/// A service of a test's own, served in-process, on the shared test Redis.
struct RPCFixture {
  let service = ServiceName(TestEnvironment.uniqueName("svc"))
  var echo: RPCMethod<Echo, Echo> { RPCMethod(service: service, name: "echo") }
  var fail: RPCMethod<Echo, Echo> { RPCMethod(service: service, name: "fail") }
  var unknown: RPCMethod<Echo, Echo> { RPCMethod(service: service, name: "nope") }

  func router(executed: Counter, inFlight: InFlight) -> RPCRouter {
    var router = RPCRouter(service: service)
    router.register(echo) { request, context in
      executed.add()
      inFlight.enter()
      defer { inFlight.leave() }
      if let sleep = request.sleepMs { try await Task.sleep(for: .milliseconds(sleep)) }
      return Echo(value: request.value, traceID: context.traceparent?.traceID)
    }
    router.register(fail) { _, _ in
      throw Problem(status: 409, code: "already_processed", title: "Already processed")
    }
    return router
  }

  /// Runs a server (and a caller) until `body` returns.
  func serve<T: Sendable>(
    concurrency: Int = 64, executed: Counter = Counter(), inFlight: InFlight = InFlight(), instanceID: String = "instance",
    _ body: (RPCClient) async throws -> T
  ) async throws -> T {
    try await withRedis { redis in
      var options = RPCServer.Options()
      options.concurrency = concurrency
      let server = RPCServer(
        router: router(executed: executed, inFlight: inFlight), redis: redis, instanceID: instanceID, options: options,
        logger: TestEnvironment.logger)
      let client = RPCClient(redis: redis, instanceID: TestEnvironment.uniqueName("caller"), logger: TestEnvironment.logger)
      try await client.start()
      let serving = Task { try await server.run() }
      defer { serving.cancel() }
      // Wait for the first heartbeat, so calls do not get 503.
      _ = try await eventually { try await redis.send("ZCARD", .string(service.aliveKey)).int == 1 }
      return try await body(client)
    }
  }
}

/// How many handlers run at once, and the most that ever did.
final class InFlight: Sendable {
  private let state = Mutex<(now: Int, peak: Int)>((0, 0))
  func enter() {
    state.withLock {
      $0.now += 1
      $0.peak = max($0.peak, $0.now)
    }
  }
  func leave() { state.withLock { $0.now -= 1 } }
  var peak: Int { state.withLock { $0.peak } }
}

@Suite(.timeLimit(.minutes(2))) struct RPCTests {
  @Test func thousandConcurrentCallsAreAllAnsweredCorrectly() async throws {
    let fixture = RPCFixture()
    let executed = Counter()
    try await fixture.serve(executed: executed) { client in
      let answers = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
        for i in 0..<1000 {
          group.addTask { (i, try await client.call(fixture.echo, Echo(value: i)).value) }
        }
        var answers: [(Int, Int)] = []
        for try await answer in group { answers.append(answer) }
        return answers
      }
      #expect(answers.count == 1000)
      #expect(answers.allSatisfy { $0.0 == $0.1 })
      #expect(executed.count == 1000)
    }
  }

  @Test func aServiceWithNoConsumerAnswers503WithinTheDeadline() async throws {
    try await withRedis { redis in
      let client = RPCClient(redis: redis, instanceID: TestEnvironment.uniqueName("caller"), logger: TestEnvironment.logger)
      try await client.start()
      let method = RPCMethod<Echo, Echo>(service: ServiceName(TestEnvironment.uniqueName("nobody")), name: "echo")
      // The deadline is generous so a loaded machine cannot turn the 503 into a 504: what
      // matters is that the answer comes from the liveness check (503), not from waiting the
      // deadline out (which would answer 504 upstream_timeout and fail this expectation).
      await #expect(throws: Problem.serviceUnavailable("No instance of the \(method.service) service is running.")) {
        try await client.call(method, Echo(value: 1), timeout: .seconds(10))
      }
    }
  }

  @Test func problemsCrossUnchangedAndUnknownMethodsAre501() async throws {
    let fixture = RPCFixture()
    try await fixture.serve { client in
      await #expect(throws: Problem(status: 409, code: "already_processed", title: "Already processed")) {
        try await client.call(fixture.fail, Echo(value: 1))
      }
      do {
        _ = try await client.call(fixture.unknown, Echo(value: 1))
        Issue.record("an unknown method answered")
      } catch let problem as Problem {
        #expect(problem.status == 501 && problem.code == "unknown_method")
      }
    }
  }

  @Test func relayedRepliesAreTheServicesBodyAsWrittenAndProblemsStillThrow() async throws {
    let fixture = RPCFixture()
    try await fixture.serve { client in
      let relayed = try await client.relay(fixture.echo, Echo(value: 41))
      // What the edge used to send (decoded, then encoded again), as JSON: JSONEncoder's key
      // order differs from process to process, so not byte for byte.
      let echoed = try JSON.decode(Echo.self, from: relayed)
      #expect(echoed.value == 41 && echoed.traceID != nil)
      let reencoded = try JSON.encode(echoed)
      #expect(
        json(String(buffer: relayed)) as NSDictionary == json(String(buffer: reencoded)) as NSDictionary,
        "relayed \(String(buffer: relayed)), decoded and encoded \(String(buffer: reencoded))")
      await #expect(throws: Problem(status: 409, code: "already_processed", title: "Already processed")) {
        try await client.relay(fixture.fail, Echo(value: 1))
      }
    }
    // Only a reply to this very call, written as Gatehouse writes them, is cut without parsing.
    let reply = try RPCReply<Echo>.encoded(id: "abc", body: Echo(value: 1))
    #expect(RPCReply<Echo>.body(of: reply, id: "abc").map { String(buffer: $0) } == #"{"value":1}"#)
    #expect(RPCReply<Echo>.body(of: reply, id: "abd") == nil)
    #expect(RPCReply<Echo>.body(of: try RPCReply<Echo>.encoded(id: "abc", problem: Problem.internalError()), id: "abc") == nil)
  }

  @Test func traceparentIsCarriedToTheHandler() async throws {
    let fixture = RPCFixture()
    try await fixture.serve { client in
      let trace = TraceParent.random()
      let answer = try await client.call(fixture.echo, Echo(value: 7), context: RPCCallContext(traceparent: trace))
      #expect(answer.traceID == trace.traceID)
    }
  }

  @Test func requestsPastTheirDeadlineAreNeverExecuted() async throws {
    let fixture = RPCFixture()
    let executed = Counter()
    try await fixture.serve(concurrency: 1, executed: executed) { client in
      // One slow call holds the only permit; the ten behind it expire while they wait.
      async let slow = client.call(fixture.echo, Echo(value: 0, sleepMs: 1000), timeout: .seconds(5))
      // The ten start once the slow one runs (a fixed pause lost this race under load).
      #expect(try await eventually(timeout: .seconds(3)) { executed.count == 1 })
      let late = await withTaskGroup(of: Bool.self) { group in
        for i in 1...10 {
          group.addTask {
            do {
              _ = try await client.call(fixture.echo, Echo(value: i), timeout: .milliseconds(200))
              return false
            } catch let problem as Problem {
              return problem.status == 504
            } catch { return false }
          }
        }
        return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
      }
      #expect(try await slow.value == 0)
      #expect(late == 10)
      // The queue is first in, first out and one permit takes one request at a time: once a
      // call sent after the ten is answered, each of the ten has been popped and dropped or run.
      let after = try await client.call(fixture.echo, Echo(value: 11), timeout: .seconds(5))
      #expect(after.value == 11)
      #expect(executed.count == 2)
    }
  }

  @Test func inFlightRequestsAreBoundedPerInstance() async throws {
    let fixture = RPCFixture()
    let executed = Counter()
    let inFlight = InFlight()
    try await fixture.serve(concurrency: 4, executed: executed, inFlight: inFlight) { client in
      try await withThrowingTaskGroup(of: Void.self) { group in
        for i in 0..<12 {
          group.addTask { _ = try await client.call(fixture.echo, Echo(value: i, sleepMs: 200), timeout: .seconds(5)) }
        }
        try await group.waitForAll()
      }
      // 12 calls of 200 ms sent at once: never more than 4 handlers at a time, and more than one
      // (a loaded machine may deliver the calls too spread out for all four to overlap).
      #expect((2...4).contains(inFlight.peak), "peak \(inFlight.peak)")
      #expect(executed.count == 12)
    }
  }
}

@Suite(.timeLimit(.minutes(2))) struct RPCWireTests {
  @Test func repliesAreEncodedIdFirstSoTheirIdIsReadFromThePrefix() throws {
    let reply = try RPCReply<Echo>.encoded(id: "0f1e2d3c-aaaa-bbbb-cccc-000000000001", body: Echo(value: 1))
    #expect(String(buffer: reply).hasPrefix(#"{"id":"0f1e2d3c-aaaa-bbbb-cccc-000000000001","ok":true,"body":{"#))
    #expect(RPCReplyHeader.id(of: reply) == "0f1e2d3c-aaaa-bbbb-cccc-000000000001")
    let decoded = try JSON.decode(RPCReply<Echo>.self, from: reply)
    #expect(decoded.ok && decoded.body == Echo(value: 1))
    let failure = try JSON.decode(RPCReply<Echo>.self, from: RPCReply<Echo>.encoded(id: "x\"y", problem: .internalError()))
    #expect(failure.id == "x\"y" && !failure.ok && failure.problem == .internalError())
  }

  @Test func aReplyInAnotherKeyOrderIsStillRouted() {
    let reply = ByteBuffer(string: #"{"ok":true,"id":"abc","body":{}}"#)
    #expect(RPCReplyHeader.id(of: reply) == "abc")
    #expect(RPCReplyHeader.id(of: ByteBuffer(string: "not json")) == nil)
  }

  @Test func envelopesAreWrittenIdAndMethodFirstAndReadBackWhole() throws {
    let envelope = RPCEnvelope(
      id: "id-1", method: "svc.echo", deadlineMs: 1_700_000_000_123, replyTo: "gh:reply:x",
      traceparent: TraceParent.random().description, requestID: "req \"quoted\"\n",
      principal: Principal(userID: "u1", roles: ["admin"]), body: Echo(value: 3))
    let encoded = try envelope.encoded()
    #expect(String(buffer: encoded).hasPrefix(#"{"id":"id-1","method":"svc.echo","deadline_ms":1700000000123"#))
    #expect(RPCEnvelopeHeader.method(of: encoded) == "svc.echo")
    let decoded = try JSON.decode(RPCEnvelope<Echo>.self, from: encoded)
    #expect(decoded.requestID == "req \"quoted\"\n" && decoded.principal == envelope.principal && decoded.body == Echo(value: 3))
    // An envelope written by someone else, in another key order, still finds its handler.
    let foreign = ByteBuffer(string: #"{"method":"svc.echo","id":"2","deadline_ms":1,"reply_to":"r","body":{"value":1}}"#)
    #expect(RPCEnvelopeHeader.method(of: foreign) == "svc.echo")
  }

  @Test func controlCharactersAreEscapedInHandWrittenJSON() throws {
    let text = "a\u{01}b\t\\"
    let quoted = JSONText.quoted(text)
    #expect(quoted == #""a\u0001b\t\\""#)
    #expect(try JSONDecoder().decode(String.self, from: Data(quoted.utf8)) == text)
  }
}
