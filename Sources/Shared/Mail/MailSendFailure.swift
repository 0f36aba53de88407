import NIOCore
import NIOSSL

/// Why a message was not sent, in a short phrase fit for logs and a stored delivery record: the
/// stage and reply code, never the server's reply text (it may echo addresses), the password or
/// the message. The underlying error goes to the operator's log only.
public struct MailSendFailure: Error, Sendable, Equatable, CustomStringConvertible {
  /// `connection failed`, `timed out`, `550 from the server at RCPT`, `authentication refused`,
  /// `STARTTLS not offered`, `TLS handshake failed`…
  public let reason: String
  /// True when the server refused with a 5xx reply or the message or settings can never be sent
  /// as they are: retrying will not help. False for 4xx replies, network, time-out and TLS errors.
  public let permanent: Bool

  public init(reason: String, permanent: Bool) {
    self.reason = reason
    self.permanent = permanent
  }

  public var description: String { "mail not sent: \(reason)\(permanent ? " (permanent)" : "")" }

  static let timedOut = MailSendFailure(reason: "timed out", permanent: false)
  static let connectionFailed = MailSendFailure(reason: "connection failed", permanent: false)
  static let connectionClosed = MailSendFailure(reason: "connection closed by the server", permanent: false)
  static let startTLSNotOffered = MailSendFailure(reason: "STARTTLS not offered", permanent: false)
  static let tlsHandshakeFailed = MailSendFailure(reason: "TLS handshake failed", permanent: false)
  static let malformedReply = MailSendFailure(reason: "malformed reply from the server", permanent: false)

  /// The reply `code` at `stage`: an AUTH refusal is named as such, any other by code and stage.
  static func refused(_ code: Int, at stage: SMTPStage) -> MailSendFailure {
    let permanent = code >= 500
    if stage == .auth { return MailSendFailure(reason: "authentication refused", permanent: permanent) }
    return MailSendFailure(reason: "\(code) from the server at \(stage.rawValue)", permanent: permanent)
  }

  /// Any error of a send, by kind. `timedOut` is whether the time limit ended the send.
  static func classify(_ error: any Error, timedOut: Bool) -> MailSendFailure {
    if let failure = error as? MailSendFailure { return failure }
    if timedOut { return .timedOut }
    if case ChannelError.connectTimeout = error { return .timedOut }
    if error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError { return .tlsHandshakeFailed }
    if error is SMTPProtocolViolation { return .malformedReply }
    return .connectionFailed
  }
}

/// Where in the conversation a reply came: named in a failure's reason.
enum SMTPStage: String, Sendable {
  case greeting
  case ehlo = "EHLO"
  case startTLS = "STARTTLS"
  case auth = "AUTH"
  case mailFrom = "MAIL FROM"
  case rcpt = "RCPT"
  case data = "DATA"
  case quit = "QUIT"
}
