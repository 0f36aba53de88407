// SMS/: how idp-service sends a text message: a generic HTTP API in production, files under the
// run directory in local mode. Delivery (the outbox, retries, the dead state) is Jobs/SMSDelivery.
import Foundation

/// One text message to a phone number (`010-1234-5678`, as stored).
struct SMSMessage: Sendable, Equatable {
  let to: String
  let text: String
}

/// Sends one message, or throws `SMSSendFailure`. Called again on failure by the delivery job, so
/// a sender need not retry itself.
protocol SMSSender: Sendable {
  func send(_ message: SMSMessage) async throws
}

/// Why a message was not sent, in words fit for logs and the audit: never the API's answer body,
/// its token or the message (which carries a code).
struct SMSSendFailure: Error, Sendable, CustomStringConvertible {
  let reason: String
  var description: String { "SMS not sent: \(reason)" }
}

/// No sender configured (production without `GATEHOUSE_SMS_API_URL`): every send fails, and a
/// new number is refused before a claim is made (503 `sms_unavailable`).
struct UnconfiguredSMSSender: SMSSender {
  func send(_ message: SMSMessage) async throws {
    throw SMSSendFailure(reason: "no SMS API is configured (GATEHOUSE_SMS_API_URL)")
  }
}
