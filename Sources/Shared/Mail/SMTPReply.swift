import NIOCore

/// One reply of an SMTP server: its code and the text of each line (`250-…` lines and the last `250 …`).
struct SMTPReply: Sendable, Equatable {
  let code: Int
  let lines: [String]

  /// The keywords an EHLO reply announces (`STARTTLS`, `AUTH`, `SIZE`…), upper-cased; the first
  /// line is the server's greeting, not an extension.
  var extensions: Set<String> {
    Set(lines.dropFirst().compactMap { $0.split(separator: " ").first.map { $0.uppercased() } })
  }
}

/// A reply the decoder could not read: the conversation cannot go on.
struct SMTPProtocolViolation: Error, Sendable, CustomStringConvertible {
  let description: String
}

/// Reads `SMTPReply`s from the server's bytes (RFC 5321 §4.2): lines ending in CRLF (a bare LF is
/// tolerated), `NNN-text` continuing a reply and `NNN text` or `NNN` ending it.
///
/// The client sends one command and waits for its reply, so a server never has a reason to send
/// more than one reply at a time. Bytes after a complete reply are refused: after STARTTLS they
/// would be plain-text replies injected before the TLS layer (the STARTTLS injection attack).
struct SMTPReplyDecoder: ByteToMessageDecoder {
  typealias InboundOut = SMTPReply

  /// Far more than any real reply; a bound so a broken server cannot fill memory.
  static let maximumLineLength = 4096
  static let maximumLines = 200

  private var code: Int?
  private var lines: [String] = []

  mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
    let view = buffer.readableBytesView
    guard let newline = view.firstIndex(of: UInt8(ascii: "\n")) else {
      guard buffer.readableBytes <= Self.maximumLineLength else { throw SMTPProtocolViolation(description: "reply line too long") }
      return .needMoreData
    }
    let length = view.distance(from: view.startIndex, to: newline) + 1
    guard length <= Self.maximumLineLength, var bytes = buffer.readBytes(length: length) else {
      throw SMTPProtocolViolation(description: "reply line too long")
    }
    // Bytes, not Characters: Swift reads CRLF as one Character, so "\r\n" has no suffix "\n".
    while let last = bytes.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") { bytes.removeLast() }
    let line = String(decoding: bytes, as: UTF8.self)
    let (code, last, text) = try Self.parse(line)
    guard self.code == nil || self.code == code, lines.count < Self.maximumLines else {
      throw SMTPProtocolViolation(description: "inconsistent multi-line reply")
    }
    self.code = code
    lines.append(text)
    guard last else { return .continue }
    guard buffer.readableBytes == 0 else { throw SMTPProtocolViolation(description: "data after a reply") }
    let reply = SMTPReply(code: code, lines: lines)
    self.code = nil
    lines = []
    context.fireChannelRead(wrapInboundOut(reply))
    return .continue
  }

  mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
    try decode(context: context, buffer: &buffer)
  }

  /// `250-text` → (250, false, "text"); `250 text` or `250` → (250, true, …).
  static func parse(_ line: String) throws -> (code: Int, last: Bool, text: String) {
    let utf8 = Array(line.utf8)
    guard utf8.count >= 3, utf8[0...2].allSatisfy(\.isDigit), let code = Int(String(decoding: utf8[0...2], as: UTF8.self)),
      (200...599).contains(code)
    else { throw SMTPProtocolViolation(description: "malformed reply") }
    if utf8.count == 3 { return (code, true, "") }
    guard utf8[3] == UInt8(ascii: "-") || utf8[3] == UInt8(ascii: " ") else { throw SMTPProtocolViolation(description: "malformed reply") }
    return (code, utf8[3] == UInt8(ascii: " "), String(decoding: utf8[4...], as: UTF8.self))
  }
}

extension UInt8 {
  fileprivate var isDigit: Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) }
}
