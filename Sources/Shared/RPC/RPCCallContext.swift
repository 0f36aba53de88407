import Logging

/// What a caller passes along with an RPC: the request it serves and who is asking.
public struct RPCCallContext: Sendable {
  public var requestID: String?
  public var traceparent: TraceParent?
  public var principal: Principal?

  public init(requestID: String? = nil, traceparent: TraceParent? = nil, principal: Principal? = nil) {
    self.requestID = requestID
    self.traceparent = traceparent
    self.principal = principal
  }
}

/// What a handler knows about the request it serves.
public struct RPCRequestContext: Sendable {
  public let requestID: String?
  public let traceparent: TraceParent?
  public let principal: Principal?
  /// Unix time in milliseconds after which nobody waits for the answer.
  public let deadlineMs: Int64
  public let logger: Logger
}
