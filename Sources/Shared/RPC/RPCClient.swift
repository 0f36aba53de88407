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
        let waiters = self.waiters
        try await redis.subscriber.subscribe(replyChannel) { reply in
            guard let header = try? JSON.decode(RPCReplyHeader.self, from: reply) else { return }
            waiters.complete(header.id, with: .success(reply))
        }
    }

    public func call<Request, Response>(
        _ method: RPCMethod<Request, Response>,
        _ request: Request,
        context: RPCCallContext = RPCCallContext(),
        timeout: Duration? = nil
    ) async throws -> Response {
        let timeout = timeout ?? defaultTimeout
        let start = ContinuousClock.now
        let id = UUID().uuidString.lowercased()
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
            let encoded = try JSON.encode(envelope)
            let waiter = waiters.register(id, timeout: .nanoseconds(timeoutMs * 1_000_000), method: method.name)
            do {
                let pushed = try await RPCScripts.pushIfAlive.run(
                    on: redis,
                    keys: [method.service.queueKey, method.service.aliveKey],
                    arguments: [.bytes(encoded)]
                )
                if pushed.int != 1 {
                    waiters.complete(id, with: .failure(Problem.serviceUnavailable("No instance of the \(method.service) service is running.")))
                }
            } catch {
                waiters.complete(id, with: .failure(Problem.serviceUnavailable("The message bus is unavailable.")))
                logger.warning("rpc push failed", metadata: ["method": "\(method.name)", "error": "\(error)"])
            }
            let replyBuffer = try await waiter.value()
            let reply = try JSON.decode(RPCReply<Response>.self, from: replyBuffer)
            if let body = reply.body, reply.ok { return body }
            throw reply.problem ?? Problem.internalError()
        } catch let problem as Problem {
            outcome = String(problem.status)
            throw problem
        } catch {
            outcome = "error"
            throw error
        }
    }
}

/// Calls in flight, by id. A reply, the deadline or cancellation completes each exactly once.
final class ReplyWaiters: Sendable {
    private let byID = Mutex<[String: ReplyWaiter]>([:])

    func register(_ id: String, timeout: TimeAmount, method: String) -> ReplyWaiter {
        let waiter = ReplyWaiter()
        byID.withLock { $0[id] = waiter }
        let timer = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: timeout) { [self] in
            complete(id, with: .failure(Problem.gatewayTimeout("\(method) did not answer in time.")))
        }
        waiter.onFinish { timer.cancel() }
        return waiter
    }

    func complete(_ id: String, with result: Result<ByteBuffer, any Error>) {
        let waiter = byID.withLock { $0.removeValue(forKey: id) }
        waiter?.finish(result)
    }
}

/// One call's pending reply; whichever of reply and waiting comes first, the other finds it.
final class ReplyWaiter: Sendable {
    private enum State {
        case pending(CheckedContinuation<ByteBuffer, any Error>?, cleanup: (@Sendable () -> Void)?)
        case done(Result<ByteBuffer, any Error>)
    }

    private let state = Mutex<State>(.pending(nil, cleanup: nil))

    func onFinish(_ cleanup: @escaping @Sendable () -> Void) {
        let runNow = state.withLock { state -> Bool in
            if case .pending(let continuation, _) = state {
                state = .pending(continuation, cleanup: cleanup)
                return false
            }
            return true
        }
        if runNow { cleanup() }
    }

    func finish(_ result: Result<ByteBuffer, any Error>) {
        let (continuation, cleanup): (CheckedContinuation<ByteBuffer, any Error>?, (@Sendable () -> Void)?) = state.withLock { state in
            guard case .pending(let continuation, let cleanup) = state else { return (nil, nil) }
            state = .done(result)
            return (continuation, cleanup)
        }
        cleanup?()
        continuation?.resume(with: result)
    }

    func value() async throws -> ByteBuffer {
        try await withCheckedThrowingContinuation { continuation in
            let ready: Result<ByteBuffer, any Error>? = state.withLock { state in
                switch state {
                case .done(let result):
                    return result
                case .pending(_, let cleanup):
                    state = .pending(continuation, cleanup: cleanup)
                    return nil
                }
            }
            if let ready { continuation.resume(with: ready) }
        }
    }
}
