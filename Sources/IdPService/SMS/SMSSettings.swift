import Foundation
import Shared

/// Which SMS sender idp-service uses and how its messages are retried (README has the table).
struct SMSSettings: Sendable {
  let sender: any SMSSender
  /// False in production without an SMS API: new numbers are refused (503 `sms_unavailable`).
  let canSend: Bool
  /// Where the messages go, for the start-up log: the API's host or the sink's folder.
  let destination: String
  /// Attempts per message; a message still unsent after them, or once its code expired, is dead.
  let maxAttempts: Int
  let retryBase: Duration

  static func load(_ settings: Settings = .fromEnvironment(), environment: DeploymentEnvironment) throws(ConfigurationError) -> SMSSettings
  {
    let maxAttempts = try settings.int("GATEHOUSE_SMS_MAX_ATTEMPTS", default: 6, range: 1...100)
    let retryBase = Duration.milliseconds(try settings.int("GATEHOUSE_SMS_RETRY_BASE_MS", default: 1_000, range: 10...600_000))
    if let url = settings.string("GATEHOUSE_SMS_API_URL") {
      guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""), let host = parsed.host else {
        throw ConfigurationError(name: "GATEHOUSE_SMS_API_URL", problem: "expected an http or https URL")
      }
      if environment == .production, parsed.scheme?.lowercased() != "https" {
        throw ConfigurationError(
          name: "GATEHOUSE_SMS_API_URL", problem: "must be https in production (the token is sent with each message)")
      }
      let sender = HTTPSMSSender(
        url: url, token: try settings.secret("GATEHOUSE_SMS_API_TOKEN"), senderID: settings.string("GATEHOUSE_SMS_SENDER_ID"),
        timeout: .milliseconds(try settings.int("GATEHOUSE_SMS_TIMEOUT_MS", default: 5_000, range: 100...60_000)))
      return SMSSettings(
        sender: sender, canSend: true, destination: "the SMS API at \(host)", maxAttempts: maxAttempts, retryBase: retryBase)
    }
    guard environment != .production else {
      return SMSSettings(
        sender: UnconfiguredSMSSender(), canSend: false, destination: "nowhere (GATEHOUSE_SMS_API_URL is not set)",
        maxAttempts: maxAttempts, retryBase: retryBase)
    }
    let runDirectory = settings.string("GATEHOUSE_RUN_DIR", default: ".run")
    let directory = URL(fileURLWithPath: runDirectory).appendingPathComponent("sms")
    return SMSSettings(
      sender: SMSFileSink(directory: directory), canSend: true, destination: "files in \(directory.path)",
      maxAttempts: maxAttempts, retryBase: retryBase)
  }
}
