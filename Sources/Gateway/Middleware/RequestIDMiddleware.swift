import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Shared

/// Gives every request an id (the caller's `X-Request-Id` when it is sane, else a new one),
/// puts it on the logger and on the response.
struct RequestIDMiddleware: RouterMiddleware {
  typealias Context = GatewayRequestContext

  func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
    var context = context
    let incoming = request.headers[.requestID].flatMap { value in
      value.count <= 128 && value.allSatisfy({ $0.isLetter || $0.isNumber || "-_.:".contains($0) }) ? value : nil
    }
    let id = incoming ?? SecureRandom.uuid().uuidString.lowercased()
    context.requestID = id
    context.traceparent = request.headers[.traceparent].flatMap(TraceParent.init)
    context.logger[metadataKey: "request_id"] = .string(id)
    var response = try await next(request, context)
    response.headers[.requestID] = id
    return response
  }
}
