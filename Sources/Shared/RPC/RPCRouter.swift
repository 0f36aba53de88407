import Logging
import NIOCore

/// The methods one service serves, by wire name. Built before the server starts.
public struct RPCRouter: Sendable {
    typealias ErasedHandler = @Sendable (ByteBuffer, RPCRequestContext) async -> ByteBuffer

    let service: ServiceName
    private(set) var handlers: [String: ErasedHandler] = [:]

    public init(service: ServiceName) {
        self.service = service
    }

    /// Adds a method. The handler's `Problem`s reach the caller as they are; any other error is
    /// logged and answered as a 500 without detail.
    public mutating func register<Request, Response>(
        _ method: RPCMethod<Request, Response>,
        _ handler: @escaping @Sendable (Request, RPCRequestContext) async throws -> Response
    ) {
        precondition(method.service == service, "\(method.name) does not belong to \(service)")
        handlers[method.name] = { raw, context in
            let id: String
            do {
                let envelope = try JSON.decode(RPCEnvelope<Request>.self, from: raw)
                id = envelope.id
                do {
                    let response = try await handler(envelope.body, context)
                    return try RPCReply<Response>.encoded(id: id, body: response)
                } catch let problem as Problem {
                    return Self.failure(id: id, problem)
                } catch {
                    context.logger.error("rpc handler failed", metadata: ["method": "\(method.name)", "error": "\(error)"])
                    return Self.failure(id: id, .internalError())
                }
            } catch {
                let id = (try? JSON.decode(RPCReplyHeader.self, from: raw).id) ?? ""
                return Self.failure(id: id, .badRequest("The request body does not match \(method.name): \(error)", code: "invalid_rpc_body"))
            }
        }
    }

    static func failure(id: String, _ problem: Problem) -> ByteBuffer {
        (try? RPCReply<NoBody>.encoded(id: id, problem: problem)) ?? ByteBuffer()
    }
}
