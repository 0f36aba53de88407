import Foundation
import Hummingbird
import NIOCore
import Shared

/// `GET /api/v1/idp/inbox/stream`: Server-Sent Events. Subscribes to the person's channel first,
/// then sends what is already pending, then every new request as it comes (each event's `id` is
/// the transaction id, so a client can drop a duplicate), with a comment every 15 s to keep
/// proxies from closing it. It ends when the token it was opened with stops verifying (revoked,
/// logged out everywhere, expired), with a last `revoked` event telling the app to sign in again.
enum InboxStream {
  static func response(
    token: String, verifier: AccessTokenVerifier, rpc: RPCClient, events: EventBus,
    context: SignedInContext
  ) async throws -> Response {
    let claims = context.user
    let user = claims.sub
    let live = await events.subscribe(Topics.notify(user: user))
    let pending = try await rpc.call(IdPRPC.inbox, NoRequest(), context: context.rpcContext)
    let rpcContext = context.rpcContext
    let body = ResponseBody { writer in
      for item in pending.requests.reversed() { try await writer.write(event(item)) }
      let (chunks, chunk) = AsyncStream.makeStream(of: ByteBuffer.self)
      // Events and keep-alives feed one queue until the client leaves, the token stops
      // verifying, or the gateway shuts down.
      let feeding = Task {
        try? await untilGracefulShutdown {
          await withTaskGroup(of: Void.self) { group in
            group.addTask { for await item in live { chunk.yield(event(item)) } }
            group.addTask {
              while (try? await Task.sleep(for: .seconds(15))) != nil { chunk.yield(ByteBuffer(string: ": keep-alive\n\n")) }
            }
            group.addTask {
              await verifier.untilInvalid(token, claims: claims, context: rpcContext)
              if !Task.isCancelled { chunk.yield(ByteBuffer(string: revoked)) }
            }
            await group.next()
            group.cancelAll()
          }
        }
        chunk.finish()
      }
      defer { feeding.cancel() }
      for await buffer in chunks { try await writer.write(buffer) }
      try await writer.finish(nil)
    }
    var headers = HTTPFields()
    headers[.contentType] = "text/event-stream"
    headers[.cacheControl] = "no-store"
    headers[.requestID] = context.requestID
    return Response(status: .ok, headers: headers, body: body)
  }

  /// The last event of a stream whose token stopped verifying.
  static let revoked =
    "event: revoked\n"
    + "data: {\"code\":\"invalid_token\",\"detail\":\"The access token no longer verifies; sign in again.\"}\n\n"

  static func event(_ item: InboxItem) -> ByteBuffer {
    let json = (try? JSON.encode(item)).map { String(buffer: $0) } ?? "{}"
    return ByteBuffer(string: "id: \(item.transactionID)\nevent: request\ndata: \(json)\n\n")
  }
}
