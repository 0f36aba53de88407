import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// A real HTTP server standing in for the SMS gateway API idp-service calls
/// (`GATEHOUSE_SMS_API_URL`): it records every message with its `Authorization` header, and answers
/// 200, or the statuses a test queued for a number. One per test process, shared by every cluster
/// (`withCluster` points idp-service at it by default); tests tell messages apart by the number,
/// which each test draws at random.
final class SMSReceiver: Sendable {
  static let token = "test-sms-token-\(UUID().uuidString.lowercased())"

  struct Message: Sendable {
    let to: String
    let text: String
    let from: String?
    let authorization: String?

    /// The six-digit code in the text.
    var code: String? {
      text.split(whereSeparator: { !$0.isASCII || !$0.isNumber }).first { $0.count == 6 }.map(String.init)
    }
  }

  actor Log {
    var messages: [Message] = []
    /// Numbers whose next messages are answered with these statuses (then 200); refusals are not recorded as received.
    var refusals: [String: [Int]] = [:]
    var refused: [String: Int] = [:]

    func record(_ message: Message) -> Int {
      if var queued = refusals[message.to], !queued.isEmpty {
        let status = queued.removeFirst()
        refusals[message.to] = queued
        refused[message.to, default: 0] += 1
        return status
      }
      messages.append(message)
      return 200
    }

    func refuse(_ number: String, with statuses: [Int]) { refusals[number] = statuses }
  }

  let log = Log()
  let port: Int
  private let task: Task<Void, any Error>

  private init() async throws {
    let log = self.log
    let router = Router()
    router.post("sms") { request, _ -> Response in
      let body = try await request.body.collect(upTo: 1 << 16)
      let fields = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
      let status = await log.record(
        Message(
          to: fields["to"] as? String ?? "", text: fields["text"] as? String ?? "", from: fields["from"] as? String,
          authorization: request.headers[.authorization]))
      return Response(status: .init(code: status))
    }
    let (bound, task) = await startLoopbackServer(router, label: "sms-api-receiver")
    self.task = task
    self.port = bound
  }

  private static let starting = Starting()

  private actor Starting {
    var receiver: Task<SMSReceiver, any Error>?
    func get() -> Task<SMSReceiver, any Error> {
      if let receiver { return receiver }
      let started = Task { try await SMSReceiver() }
      receiver = started
      return started
    }
  }

  /// The process's receiver, started on first use.
  static func shared() async throws -> SMSReceiver { try await starting.get().value }

  /// What idp-service needs to send here.
  var environment: [String: String] {
    [
      "GATEHOUSE_SMS_API_URL": "http://127.0.0.1:\(port)/sms", "GATEHOUSE_SMS_API_TOKEN": Self.token,
      "GATEHOUSE_SMS_SENDER_ID": "Gatehouse",
    ]
  }

  func messages(to number: String) async -> [Message] { await log.messages.filter { $0.to == number } }

  func refusals(of number: String) async -> Int { await log.refused[number] ?? 0 }

  func refuse(_ number: String, with statuses: [Int]) async { await log.refuse(number, with: statuses) }

  /// The `index`th code (from 0) sent to `number`, once it has arrived. Codes, not messages:
  /// a message whose answer came late under load is sent again (at least once, docs/idp.md),
  /// and the copy is not a new code.
  func code(to number: String, index: Int = 0, timeout: Duration = .seconds(15)) async throws -> String {
    var found: String?
    _ = try await eventually(timeout: timeout) {
      var codes: [String] = []
      for code in await messages(to: number).compactMap(\.code) where !codes.contains(code) { codes.append(code) }
      found = codes.count > index ? codes[index] : nil
      return found != nil
    }
    guard let found else { throw SMSNotReceived(number: number, index: index) }
    return found
  }

  struct SMSNotReceived: Error, CustomStringConvertible {
    let number: String
    let index: Int
    var description: String { "no SMS number \(index + 1) to \(number) arrived" }
  }
}
