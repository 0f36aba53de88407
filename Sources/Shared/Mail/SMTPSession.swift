import Foundation
import Logging
import NIOCore

/// One SMTP conversation on a connected channel: a command, then its reply, checked against the
/// codes that let the conversation go on. A reply outside them ends the send with a failure
/// naming its code and stage; the server's text goes to the debug log only.
struct SMTPSession {
  private var replies: NIOAsyncChannelInboundStream<SMTPReply>.AsyncIterator
  private let writer: NIOAsyncChannelOutboundWriter<ByteBuffer>
  private let logger: Logger

  init(inbound: NIOAsyncChannelInboundStream<SMTPReply>, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>, logger: Logger) {
    self.replies = inbound.makeAsyncIterator()
    self.writer = outbound
    self.logger = logger
  }

  /// The next reply, which must have one of `codes`.
  @discardableResult
  mutating func expect(_ codes: Set<Int>, at stage: SMTPStage) async throws -> SMTPReply {
    guard let reply = try await replies.next() else { throw MailSendFailure.connectionClosed }
    logger.debug("SMTP reply", metadata: ["stage": "\(stage.rawValue)", "code": "\(reply.code)", "text": "\(reply.lines.first ?? "")"])
    guard codes.contains(reply.code) else {
      logger.warning(
        "SMTP server refused",
        metadata: ["stage": "\(stage.rawValue)", "code": "\(reply.code)", "text": "\(reply.lines.joined(separator: " | "))"])
      throw MailSendFailure.refused(reply.code, at: stage)
    }
    return reply
  }

  /// Sends `line` (a command without its CRLF) and reads its reply. `secret` keeps the line out
  /// of the debug log (AUTH carries the password).
  @discardableResult
  mutating func command(_ line: String, expect codes: Set<Int>, at stage: SMTPStage, secret: Bool = false) async throws -> SMTPReply {
    logger.debug("SMTP command", metadata: ["command": "\(secret ? "\(stage.rawValue) ..." : line)"])
    try await writer.write(ByteBuffer(string: line + "\r\n"))
    return try await expect(codes, at: stage)
  }

  /// The message after DATA's 354: dot-stuffed, ended by `.` alone on a line.
  mutating func data(_ payload: ByteBuffer) async throws {
    try await writer.write(payload)
    try await expect([250], at: .data)
  }
}

/// The DATA payload of RFC 5321 §4.5.2: line breaks made CRLF, a `.` doubled where it starts a
/// line (so no line of the message can end it early), and the ending `.` line.
enum SMTPDataPayload {
  /// The longest line SMTP allows, without its CRLF.
  static let maximumLineLength = 998

  /// Nil when a line is longer than SMTP allows (the rendered messages never have one).
  static func encode(_ message: String) -> ByteBuffer? {
    var buffer = ByteBuffer()
    buffer.reserveCapacity(message.utf8.count + message.utf8.count / 50 + 8)
    let normalized = message.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
    var lines = normalized.split(separator: "\n", omittingEmptySubsequences: false)
    if lines.last == "" { lines.removeLast() }
    for line in lines {
      let stuffed = line.hasPrefix(".")
      guard line.utf8.count + (stuffed ? 1 : 0) <= maximumLineLength else { return nil }
      if stuffed { buffer.writeString(".") }
      buffer.writeSubstring(line)
      buffer.writeString("\r\n")
    }
    buffer.writeString(".\r\n")
    return buffer
  }
}
