import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// Sends mail through the operator's SMTP server (`SMTPSettings`), one connection per message:
/// greeting, EHLO, STARTTLS and EHLO again (or TLS from the start), AUTH PLAIN when credentials
/// are set, MAIL FROM, RCPT TO, DATA, QUIT. It does not retry; `MailSendFailure.permanent` tells
/// the caller whether a retry can help.
public struct SMTPClient: Sendable {
  let settings: SMTPSettings
  let logger: Logger

  public init(settings: SMTPSettings, logger: Logger) {
    self.settings = settings
    self.logger = logger
  }

  /// Sends `message`, or throws why not. The whole send (connecting included) ends at the
  /// settings' time limit.
  public func send(_ message: MailMessage) async throws(MailSendFailure) {
    guard let sender = MailAddress(parsing: settings.from) else { throw MailSendFailure(reason: "invalid From address", permanent: true) }
    guard MailAddress.isBareAddress(message.to) else { throw MailSendFailure(reason: "invalid recipient address", permanent: true) }
    let messageID = "\(UUID().uuidString.lowercased())@\(sender.domain)"
    let boundary = "=_gatehouse_\(UUID().uuidString.lowercased())"
    let content = message.rendered(from: sender, messageID: messageID, boundary: boundary)
    try await deliver(content, from: sender.address, to: message.to)
    logger.info("mail sent", metadata: ["smtp_host": "\(settings.host)", "message_id": "\(messageID)"])
  }

  /// Sends `content` (a whole RFC 5322 message) from `sender` to `recipient` (bare addresses).
  func deliver(_ content: String, from sender: String, to recipient: String) async throws(MailSendFailure) {
    guard let payload = SMTPDataPayload.encode(content) else { throw MailSendFailure(reason: "message line too long", permanent: true) }
    if settings.username != nil, settings.security == .none, !settings.hostIsLoopback {
      throw MailSendFailure(reason: "refusing to send credentials without TLS", permanent: true)
    }
    let tls: NIOSSLContext?
    do {
      tls = settings.security == .none ? nil : try Self.tlsContext(trustRoots: settings.trustRoots)
    } catch {
      logger.error("SMTP TLS configuration unusable", metadata: ["error": "\(error)"])
      throw MailSendFailure(reason: "TLS configuration unusable", permanent: false)
    }
    let envelope = SMTPEnvelope(sender: sender, recipient: recipient, payload: payload)
    do {
      try await Self.withTimeLimit(settings.timeout) { try await converse(envelope, tls: tls) }
    } catch {
      let failure = MailSendFailure.classify(error, timedOut: error is TimeLimitReached)
      logger.warning(
        "mail not sent",
        metadata: ["smtp_host": "\(settings.host)", "reason": "\(failure.reason)", "error": "\(String(reflecting: error))"])
      throw failure
    }
  }

  /// The first exchange over TLS: a connection that ends or is closed before it ended in the
  /// handshake. The TLS handler's error, the connection's end and the next write's "closed
  /// channel" race; under load any of them comes first (CI saw the last two).
  private static func afterHandshake<T>(_ overTLS: Bool, _ body: () async throws -> T) async throws -> T {
    do {
      return try await body()
    } catch let failure as MailSendFailure where overTLS && failure == .connectionClosed {
      throw MailSendFailure.tlsHandshakeFailed
    } catch let error as ChannelError where overTLS && (error == .ioOnClosedChannel || error == .eof) {
      throw MailSendFailure.tlsHandshakeFailed
    }
  }

  /// The conversation on one connection, closed at its end whatever happened.
  private func converse(_ envelope: SMTPEnvelope, tls: NIOSSLContext?) async throws {
    let channel = try await connect(implicitTLS: settings.security == .tls ? tls : nil)
    try await channel.executeThenClose { inbound, outbound in
      var session = SMTPSession(inbound: inbound, outbound: outbound, logger: logger)
      _ = try await Self.afterHandshake(settings.security == .tls) { try await session.expect([220], at: .greeting) }
      let name = Self.ehloName(channel.channel.localAddress)
      var ehlo = try await session.command("EHLO \(name)", expect: [250], at: .ehlo)
      if settings.security == .starttls, let tls {
        guard ehlo.extensions.contains("STARTTLS") else { throw MailSendFailure.startTLSNotOffered }
        try await session.command("STARTTLS", expect: [220], at: .startTLS)
        try await addTLS(tls, to: channel.channel).get()
        ehlo = try await Self.afterHandshake(true) { try await session.command("EHLO \(name)", expect: [250], at: .ehlo) }
      }
      if let username = settings.username, let password = settings.password {
        let credentials = Data("\0\(username)\0\(password)".utf8).base64EncodedString()
        try await session.command("AUTH PLAIN \(credentials)", expect: [235], at: .auth, secret: true)
      }
      try await session.command("MAIL FROM:<\(envelope.sender)>", expect: [250], at: .mailFrom)
      try await session.command("RCPT TO:<\(envelope.recipient)>", expect: [250, 251], at: .rcpt)
      try await session.command("DATA", expect: [354], at: .data)
      try await session.data(envelope.payload)
      // The message is accepted; a server that hangs up instead of answering QUIT changes nothing.
      _ = try? await session.command("QUIT", expect: [221], at: .quit)
    }
  }

  private func connect(implicitTLS: NIOSSLContext?) async throws -> NIOAsyncChannel<SMTPReply, ByteBuffer> {
    let connectTimeout = TimeAmount.nanoseconds(
      Int64(settings.timeout.components.seconds) * 1_000_000_000
        + settings.timeout.components.attoseconds / 1_000_000_000)
    return try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .connectTimeout(connectTimeout)
      .connect(host: settings.host, port: settings.port) { channel in
        channel.eventLoop.makeCompletedFuture {
          if let implicitTLS {
            try channel.pipeline.syncOperations.addHandler(
              NIOSSLClientHandler(context: implicitTLS, serverHostname: Self.serverName(settings.host)))
          }
          try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPReplyDecoder()))
          return try NIOAsyncChannel<SMTPReply, ByteBuffer>(wrappingChannelSynchronously: channel)
        }
      }
  }

  /// Puts TLS first in the pipeline, under the reply decoder, after the server's 220 to STARTTLS;
  /// on the channel's event loop, since the handler is not Sendable.
  private func addTLS(_ context: NIOSSLContext, to channel: any Channel) -> EventLoopFuture<Void> {
    let host = settings.host
    return channel.eventLoop.submit {
      try channel.pipeline.syncOperations.addHandler(
        NIOSSLClientHandler(context: context, serverHostname: Self.serverName(host)), position: .first)
    }
  }
}

/// What one send puts in MAIL FROM, RCPT TO and DATA.
struct SMTPEnvelope: Sendable {
  let sender: String
  let recipient: String
  let payload: ByteBuffer
}
