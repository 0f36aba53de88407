import Foundation
import Logging
import Metrics
import NIOCore
import NIOPosix
import Synchronization

/// Calls methods of other services over Redis and awaits their replies.
///
/// Each process has one client with its own reply channel `gh:reply:<instance>`. A call registers
/// a waiter, pushes the envelope only if some consumer of that service is alive (else 503 at
/// once), and waits for the reply until the deadline (then 504).
public final class RPCClient: Sendable {
  private let redis: RedisClient
  private let replyChannel: String
  private let waiters = ReplyWaiters()
  private let defaultTimeout: Duration
  private let logger: Logger

  public init(redis: RedisClient, instanceID: String, defaultTimeout: Duration = .seconds(5), logger: Logger) {
    self.redis = redis
    self.replyChannel = "gh:reply:\(instanceID)"
    self.defaultTimeout = defaultTimeout
    self.logger = logger
  }

  /// Subscribes the reply channel; call once before the first `call`.
  public func start() async throws {
    waiters.startExpiring()
    let waiters = self.waiters
    try await redis.subscriber.subscribe(replyChannel) { reply in
      guard let id = RPCReplyHeader.id(of: reply) else { return }
      waiters.complete(id, with: .success(reply))
    }
  }

  public func call<Request, Response>(
    _ method: RPCMethod<Request, Response>,
    _ request: Request,
    context: RPCCallContext = RPCCallContext(),
    timeout: Duration? = nil
  ) async throws -> Response {
    try await exchange(method, request, context: context, timeout: timeout) { _, reply in
      let decoded = try JSON.decode(RPCReply<Response>.self, from: reply)
      if let body = decoded.body, decoded.ok { return body }
      throw decoded.problem ?? Problem.internalError()
    }
  }

  /// The reply body's JSON as the service wrote it, for an edge that passes it on unchanged:
  /// no decoding into `Response` only to encode it again (a third of the gateway's JSON work
  /// on the IdP routes). A problem is thrown as `call` throws it.
  public func relay<Request, Response>(
    _ method: RPCMethod<Request, Response>,
    _ request: Request,
    context: RPCCallContext = RPCCallContext(),
    timeout: Duration? = nil
  ) async throws -> ByteBuffer {
    try await exchange(method, request, context: context, timeout: timeout) { id, reply in
      if let body = RPCReply<Response>.body(of: reply, id: id) { return body }
      let decoded = try JSON.decode(RPCReply<Response>.self, from: reply)
      if let body = decoded.body, decoded.ok { return try JSON.encode(body) }
      throw decoded.problem ?? Problem.internalError()
    }
  }

  /// Sends the envelope, awaits the reply and reads it with `read` (given the call id).
  private func exchange<Request, Response, Result>(
    _ method: RPCMethod<Request, Response>,
    _ request: Request,
    context: RPCCallContext,
    timeout: Duration?,
    read: (String, ByteBuffer) throws -> Result
  ) async throws -> Result {
    let timeout = timeout ?? defaultTimeout
    let start = ContinuousClock.now
    let id = SecureRandom.uuid().uuidString.lowercased()
    let timeoutMs = timeout.milliseconds
    let envelope = RPCEnvelope(
      id: id,
      method: method.name,
      deadlineMs: unixMilliseconds() + timeoutMs,
      replyTo: replyChannel,
      traceparent: (context.traceparent?.child() ?? TraceParent.random()).description,
      requestID: context.requestID,
      principal: context.principal,
      body: request
    )
    var outcome = "ok"
    defer {
      Timer(label: "gatehouse_rpc_client_duration_seconds", dimensions: [("method", method.name), ("outcome", outcome)])
        .record(duration: ContinuousClock.now - start)
    }
    do {
      let encoded = try envelope.encoded()
      let waiter = waiters.register(id, deadline: .now + timeout, method: method.name)
      do {
        let pushed = try await RPCScripts.pushIfAlive.run(
          on: redis,
          keys: [method.service.queueKey, method.service.aliveKey],
          arguments: [.bytes(encoded)]
        )
        if pushed.int != 1 {
          let problem = Problem.serviceUnavailable("No instance of the \(method.service) service is running.")
          waiters.complete(id, with: .failure(problem))
        }
      } catch {
        waiters.complete(id, with: .failure(Problem.serviceUnavailable("The message bus is unavailable.")))
        logger.warning("rpc push failed", metadata: ["method": "\(method.name)", "error": "\(error)"])
      }
      return try read(id, try await waiter.value())
    } catch let problem as Problem {
      outcome = String(problem.statusCode)
      throw problem
    } catch {
      outcome = "error"
      throw error
    }
  }
}

/// Calls in flight, by id. A reply, the deadline or cancellation completes each exactly once.
/// Deadlines are enforced by one sweep every 10 ms rather than a timer per call: under load
/// that saves an event-loop wake-up and a cancellation for every call.
final class ReplyWaiters: Sendable {
  private struct Entry {
    let waiter: ReplyWaiter
    let deadline: ContinuousClock.Instant
    let method: String
  }

  private let byID = Mutex<[String: Entry]>([:])
  private let expiring = Atomic<Bool>(false)

  func register(_ id: String, deadline: ContinuousClock.Instant, method: String) -> ReplyWaiter {
    let waiter = ReplyWaiter()
    byID.withLock { $0[id] = Entry(waiter: waiter, deadline: deadline, method: method) }
    return waiter
  }

  func complete(_ id: String, with result: Result<ByteBuffer, any Error>) {
    let entry = byID.withLock { $0.removeValue(forKey: id) }
    entry?.waiter.finish(result)
  }

  /// Starts the sweep (once); it ends when these waiters are no longer referenced.
  func startExpiring() {
    guard !expiring.exchange(true, ordering: .relaxed) else { return }
    Task { [weak self] in
      while let waiters = self {
        waiters.expire(now: .now)
        try? await Task.sleep(for: .milliseconds(10))
      }
    }
  }

  private func expire(now: ContinuousClock.Instant) {
    let expired: [Entry] = byID.withLock { entries in
      let ids = entries.filter { $0.value.deadline <= now }.map(\.key)
      return ids.compactMap { entries.removeValue(forKey: $0) }
    }
    for entry in expired {
      entry.waiter.finish(.failure(Problem.gatewayTimeout("\(entry.method) did not answer in time.")))
    }
  }
}

/// One call's pending reply; whichever of reply and waiting comes first, the other finds it.
final class ReplyWaiter: Sendable {
  private enum State {
    case pending(CheckedContinuation<ByteBuffer, any Error>?)
    case done(Result<ByteBuffer, any Error>)
  }

  private let state = Mutex<State>(.pending(nil))

  func finish(_ result: Result<ByteBuffer, any Error>) {
    let continuation: CheckedContinuation<ByteBuffer, any Error>? = state.withLock { state in
      guard case .pending(let continuation) = state else { return nil }
      state = .done(result)
      return continuation
    }
    continuation?.resume(with: result)
  }

  func value() async throws -> ByteBuffer {
    try await withCheckedThrowingContinuation { continuation in
      let ready: Result<ByteBuffer, any Error>? = state.withLock { state in
        switch state {
        case .done(let result):
          return result
        case .pending:
          state = .pending(continuation)
          return nil
        }
      }
      if let ready { continuation.resume(with: ready) }
    }
  }
}
