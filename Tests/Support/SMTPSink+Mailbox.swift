import Foundation

/// The sink as the account-recovery tests read it: token-service's settings for it, and the mails
/// of one recipient. One sink per test process (`shared()`) serves every cluster that needs mail;
/// tests tell mails apart by the recipient, each drawing its addresses at random.
extension SMTPSink {
  /// One mail as a person reads it.
  struct Mail: Sendable {
    let recipients: [String]
    let subject: String
    let text: String
    let html: String

    /// The first link to Gatehouse's recovery pages in the text part.
    var link: String? {
      text.firstMatch(of: /https?:\/\/[^\s]+\/(email\/verify|password\/reset)\?token=[A-Za-z0-9_-]+/).map { String($0.output.0) }
    }

    /// The `token` of `link`.
    var token: String? { link.flatMap { URLComponents(string: $0)?.queryItems?.first { $0.name == "token" }?.value } }
  }

  /// What token-service needs to send here (quick retries and a short outbox lease, so a test
  /// sees a failed mail tried again soon).
  var environment: [String: String] {
    [
      "GATEHOUSE_SMTP_HOST": "127.0.0.1", "GATEHOUSE_SMTP_PORT": String(port), "GATEHOUSE_SMTP_SECURITY": "none",
      "GATEHOUSE_SMTP_FROM": "Gatehouse <no-reply@gatehouse.test>", "GATEHOUSE_MAIL_RETRY_BASE_MS": "100",
      "GATEHOUSE_MAIL_MAX_ATTEMPTS": "3", "GATEHOUSE_MAIL_LEASE_MS": "2000",
    ]
  }

  /// Every mail received so far for `address`, oldest first.
  func mails(to address: String) -> [Mail] {
    ((try? received()) ?? []).filter { $0.rcptTos.contains { $0.lowercased() == address.lowercased() } }.map { mail in
      func part(_ type: String) -> String { mail.parts.first { $0.contentType == type }?.text ?? "" }
      return Mail(recipients: mail.rcptTos, subject: mail.subject, text: part("text/plain"), html: part("text/html"))
    }
  }

  /// The mails for `address` once there are at least `count`.
  func waitForMails(to address: String, count: Int = 1, timeout: Duration = .seconds(20)) async throws -> [Mail] {
    var found: [Mail] = []
    _ = try await eventually(timeout: timeout) {
      found = mails(to: address)
      return found.count >= count
    }
    guard found.count >= count else { throw TestFailure("\(found.count) of \(count) mails to \(address) arrived") }
    return found
  }

  /// The process's sink, started on first use.
  static func shared() async throws -> SMTPSink { try await sharedSink.get().value }
}

private let sharedSink = SharedSink()

private actor SharedSink {
  var sink: Task<SMTPSink, any Error>?
  func get() -> Task<SMTPSink, any Error> {
    if let sink { return sink }
    let started = Task { try await SMTPSink() }
    sink = started
    return started
  }
}
