import AsyncHTTPClient
import Foundation
import NIOCore
import Shared

/// A generic SMS gateway API: `POST <GATEHOUSE_SMS_API_URL>` with `Authorization: Bearer <token>`
/// and the JSON body `{"to", "text"}` (and `"from"`, the sender id, when one is set); any 2xx
/// means sent. The URL is the operator's, so the outbound address policy for URLs others set
/// does not apply; redirects are not followed.
struct HTTPSMSSender: SMSSender {
  let url: String
  /// Never logged, never in an error: it goes only into the Authorization header.
  let token: String?
  let senderID: String?
  let timeout: Duration

  /// One client for the process, without redirects.
  private static let client: HTTPClient = {
    var configuration = HTTPClient.Configuration()
    configuration.redirectConfiguration = .disallow
    configuration.tracing.tracer = nil
    return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
  }()

  private struct Body: Encodable {
    let from: String?
    let to: String
    let text: String
  }

  func send(_ message: SMSMessage) async throws {
    var request = HTTPClientRequest(url: url)
    request.method = .POST
    request.headers.add(name: "Content-Type", value: "application/json")
    request.headers.add(name: "User-Agent", value: "Gatehouse-SMS/1")
    if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
    request.body = .bytes(try JSON.encode(Body(from: senderID, to: message.to, text: message.text)))
    let status: UInt
    do {
      let response = try await Self.client.execute(request, timeout: .milliseconds(Int64(timeout.milliseconds)))
      _ = try? await response.body.collect(upTo: 64 * 1024)
      status = response.status.code
    } catch {
      throw SMSSendFailure(reason: OutboundFailure.reason(error))
    }
    guard (200..<300).contains(status) else { throw SMSSendFailure(reason: OutboundFailure.answered(status)) }
  }
}
