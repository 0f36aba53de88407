// Mail/: outbound e-mail over SMTP to the operator's mail server (SMTPSettings, SMTPClient): one
// connection per message, TLS required unless the operator turned it off. Retrying a failed message
// is the caller's job (MailSendFailure says whether a retry can help).

/// One e-mail to one person: plain text, and optionally an HTML alternative of the same content.
public struct MailMessage: Sendable, Equatable {
  /// One bare address (`someone@example.com`), used for both the envelope and the `To` header.
  public var to: String
  /// Any text, Korean included: written as RFC 2047 encoded words when it is not plain ASCII.
  public var subject: String
  /// The text/plain body (UTF-8).
  public var text: String
  /// When set, the message is multipart/alternative: the text first, then this HTML.
  public var html: String?

  public init(to: String, subject: String, text: String, html: String? = nil) {
    self.to = to
    self.subject = subject
    self.text = text
    self.html = html
  }
}
