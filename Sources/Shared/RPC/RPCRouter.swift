import Logging
import NIOCore

/// What became of one request taken from the queue.
enum RPCOutcome: Sendable {
    case reply(to: String, ByteBuffer, method: String)
    /// Past its deadline: not executed, not answered (nobody waits any more).
    case expired(method: String)
    /// Not an envelope at all: nobody to answer.
    case malformed
}

/// The methods one service serves, by wire name. Built before the server starts.
public struct RPCRouter: Sendable {
    typealias ErasedHandler = @Sendable (ByteBuffer, Logger) async -> RPCOutcome

    let service: ServiceName
    private(set) var handlers: [String: ErasedHandler] = [:]

    public init(service: ServiceName) {
        self.service = service
    }

    /// Adds a method. The envelope is decoded once, as this method's request type; a request past
    /// its deadline is dropped before the handler runs. The handler's `Problem`s reach the caller
    /// as they are; any other error is logged and answered as a 500 without detail.
    public mutating func register<Request, Response>(
        _ method: RPCMethod<Request, Response>,
        _ handler: @escaping @Sendable (Request, RPCRequestContext) async throws -> Response
    ) {
        precondition(method.service == service, "\(method.name) does not belong to \(service)")
        handlers[method.name] = { raw, logger in
            let envelope: RPCEnvelope<Request>
            do {
                envelope = try JSON.decode(RPCEnvelope<Request>.self, from: raw)
            } catch {
                guard let header = try? JSON.decode(RPCEnvelopeHeader.self, from: raw) else { return .malformed }
                let problem = Problem.badRequest("The request body does not match \(method.name): \(error)", code: "invalid_rpc_body")
                return .reply(to: header.replyTo, Self.failure(id: header.id, problem), method: method.name)
            }
            guard envelope.deadlineMs > unixMilliseconds() else { return .expired(method: method.name) }
            let context = RPCRequestContext(envelope, logger: logger)
            let reply: ByteBuffer
            do {
                reply = try RPCReply<Response>.encoded(id: envelope.id, body: try await handler(envelope.body, context))
            } catch let problem as Problem {
                reply = Self.failure(id: envelope.id, problem)
            } catch {
                context.logger.error("rpc handler failed", metadata: ["method": "\(method.name)", "error": "\(String(reflecting: error))"])
                reply = Self.failure(id: envelope.id, .internalError())
            }
            return .reply(to: envelope.replyTo, reply, method: method.name)
        }
    }

    /// Answers a request for a method this service does not serve.
    func unknownMethod(_ raw: ByteBuffer) -> RPCOutcome {
        guard let header = try? JSON.decode(RPCEnvelopeHeader.self, from: raw) else { return .malformed }
        let problem = Problem(status: 501, code: "unknown_method", title: "Unknown method",
                              detail: "\(service) does not serve \(header.method).")
        return .reply(to: header.replyTo, Self.failure(id: header.id, problem), method: header.method)
    }

    static func failure(id: String, _ problem: Problem) -> ByteBuffer {
        (try? RPCReply<NoBody>.encoded(id: id, problem: problem)) ?? ByteBuffer()
    }
}

extension RPCRequestContext {
    init<Body>(_ envelope: RPCEnvelope<Body>, logger base: Logger) {
        var logger = base
        let traceparent = envelope.traceparent.flatMap(TraceParent.init)
        logger[metadataKey: "trace_id"] = traceparent.map { "\($0.traceID)" }
        logger[metadataKey: "request_id"] = envelope.requestID.map { "\($0)" }
        self.init(requestID: envelope.requestID, traceparent: traceparent, principal: envelope.principal,
                  deadlineMs: envelope.deadlineMs, logger: logger)
    }
}
