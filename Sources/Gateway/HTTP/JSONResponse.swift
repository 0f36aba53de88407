import Hummingbird
import NIOCore
import Shared

/// A JSON answer, never cached.
enum JSONResponse {
  static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
    Response(
      status: status,
      headers: [.contentType: "application/json", .cacheControl: "no-store"],
      body: .init(byteBuffer: try JSON.encode(value)))
  }

  /// A JSON body already encoded: a service's reply passed on as it is (`RPCClient.relay`).
  static func relayed(_ json: ByteBuffer, status: HTTPResponse.Status = .ok) -> Response {
    Response(status: status, headers: [.contentType: "application/json", .cacheControl: "no-store"], body: .init(byteBuffer: json))
  }
}
