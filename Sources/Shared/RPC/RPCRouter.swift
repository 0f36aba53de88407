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
        let problem = PlatformProblems.invalidRPCBody.problem("The request body does not match \(method.name): \(error)")
        return .reply(to: header.replyTo, Self.failure(id: header.id, problem), method: method.name)
      }
      guard envelope.deadlineMs > unixMilliseconds() else { return .expired(method: method.name) }
      let context = RPCRequestContext(envelope, logger: logger)
      let reply: ByteBuffer
      do {
        let body = envelope.body
        let response = try await RPCDeadline.run(untilUnixMilliseconds: envelope.deadlineMs) {
          try await handler(body, context)
        }
        reply = try RPCReply<Response>.encoded(id: envelope.id, body: response)
      } catch {
        reply = Self.failure(id: envelope.id, Self.problem(for: error, method: method.name, logger: context.logger))
      }
      return .reply(to: envelope.replyTo, reply, method: method.name)
    }
  }

  /// What the caller is told of a handler's error: a `Problem` as it is; PostgreSQL out of reach
  /// (restarting, down, no connection before the deadline) a 503 `database_unavailable`; a
  /// handler stopped at its deadline for another reason a 504; a value the database cannot hold a
  /// 422 `invalid_value`; a row referring to one deleted meanwhile a 409 `gone_meanwhile`;
  /// anything else a 500 without detail. Only the last is logged as an error, and never with the
  /// statement or the failing row (`StatementRefused.loggable`).
  static func problem(for error: any Error, method: String, logger: Logger) -> Problem {
    let stopped = error as? RPCDeadline.DeadlineError
    let cause = stopped?.underlying ?? error
    if let problem = cause as? Problem { return problem }
    if DatabaseUnavailable.matches(cause) {
      logger.warning("database unavailable", metadata: ["method": "\(method)", "error": "\(String(describing: cause))"])
      return .databaseUnavailable()
    }
    if stopped != nil {
      logger.warning("rpc handler stopped at its deadline", metadata: ["method": "\(method)"])
      return .gatewayTimeout("The request could not be completed in time.")
    }
    if StatementRefused.isDataException(cause) {
      logger.warning(
        "value refused by the database",
        metadata: ["method": "\(method)", "error": "\(StatementRefused.loggable(cause))"])
      return .valueNotStorable()
    }
    if StatementRefused.isGoneMeanwhile(cause) {
      logger.warning("request raced a deletion", metadata: ["method": "\(method)", "error": "\(StatementRefused.loggable(cause))"])
      return RequestProblems.goneMeanwhile.problem("Something this request refers to was deleted while it ran.")
    }
    logger.error("rpc handler failed", metadata: ["method": "\(method)", "error": "\(StatementRefused.loggable(cause))"])
    return .internalError()
  }

  /// Answers a request for a method this service does not serve.
  func unknownMethod(_ raw: ByteBuffer) -> RPCOutcome {
    guard let header = try? JSON.decode(RPCEnvelopeHeader.self, from: raw) else { return .malformed }
    let problem = PlatformProblems.unknownMethod.problem("\(service) does not serve \(header.method).")
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
    self.init(
      requestID: envelope.requestID, traceparent: traceparent, principal: envelope.principal,
      deadlineMs: envelope.deadlineMs, logger: logger)
  }
}
