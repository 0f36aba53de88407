import Foundation
import Shared

/// How token-service sends account mail (README has the table): the SMTP server, and how a
/// message that failed for a passing reason is tried again. A message is never given up for a
/// passing failure (the server down, a 4xx): after `maxAttempts` quick retries it waits in
/// `token.outbox` for `lease` and starts again. A permanent refusal (5xx) is the only dead end.
struct MailSettings: Sendable {
  let smtp: SMTPSettings
  let maxAttempts: Int
  let retryBase: Duration
  let lease: Duration

  /// Nil when `GATEHOUSE_SMTP_HOST` is unset: no mail, and the features that need it say so.
  static func load(_ settings: Settings = .fromEnvironment()) throws(ConfigurationError) -> MailSettings? {
    guard let smtp = try SMTPSettings.load() else { return nil }
    return MailSettings(
      smtp: smtp, maxAttempts: try settings.int("GATEHOUSE_MAIL_MAX_ATTEMPTS", default: 6, range: 1...100),
      retryBase: .milliseconds(try settings.int("GATEHOUSE_MAIL_RETRY_BASE_MS", default: 1_000, range: 10...600_000)),
      lease: .milliseconds(try settings.int("GATEHOUSE_MAIL_LEASE_MS", default: 60_000, range: 100...3_600_000)))
  }
}
