import Foundation
import Testing

@testable import Shared
@testable import TestSupport

/// The SMTP client against a real SMTP server (scripts/smtp_sink.py, aiosmtpd): what arrives
/// is read back from the server's files and checked with Python's standard e-mail parser.
@Suite(.timeLimit(.minutes(2))) struct SMTPClientTests {
  static let from = "Gatehouse <no-reply@example.com>"

  func client(
    _ port: Int, host: String = "127.0.0.1", security: SMTPSettings.Security = .none, _ change: (inout SMTPSettings) -> Void = { _ in }
  )
    -> SMTPClient
  {
    var settings = SMTPSettings(host: host, port: port, security: security, from: Self.from, timeout: .seconds(10))
    change(&settings)
    return SMTPClient(settings: settings, logger: TestEnvironment.logger)
  }

  /// The failure `send` threw, or nil when it sent.
  func failure(_ client: SMTPClient, _ message: MailMessage) async -> MailSendFailure? {
    do {
      try await client.send(message)
      return nil
    } catch {
      return error
    }
  }

  static let message = MailMessage(
    to: "minji@example.org",
    subject: "[Gatehouse] 비밀번호 재설정 안내: 요청하신 링크가 30분 동안 유효합니다 (password reset)",
    text: "안녕하세요, 민지 님.\n.이 줄은 점으로 시작합니다\n..and this one with two\n.\nLink: https://id.example.com/reset?t=abc\n",
    html: "<p>안녕하세요, <b>민지</b> 님.</p>\n.<p>점</p>\n")

  func normalized(_ text: String) -> String { text.replacingOccurrences(of: "\r\n", with: "\n") }

  @Test func aMessageArrivesAsSentWithBothPartsAndKoreanIntact() async throws {
    let sink = try await SMTPSink()
    defer { sink.stop() }
    try await client(sink.port).send(Self.message)
    let received = try sink.received()
    try #require(received.count == 1)
    let mail = received[0]
    #expect(mail.mailFrom == "no-reply@example.com")
    #expect(mail.rcptTos == ["minji@example.org"])
    #expect(mail.subject == Self.message.subject)
    #expect(mail.to == "minji@example.org")
    #expect(mail.from == Self.from)
    #expect(mail.contentType == "multipart/alternative")
    #expect(mail.parts.map(\.contentType) == ["text/plain", "text/html"])
    #expect(mail.parts.map { normalized($0.text) } == [Self.message.text, Self.message.html ?? ""])
    #expect(mail.defects.isEmpty, "\(mail.defects)")
    #expect(mail.messageId.hasPrefix("<") && mail.messageId.hasSuffix("@example.com>"))
    #expect(!mail.date.isEmpty)
    // The raw message: 7-bit, CRLF lines SMTP allows, the subject as RFC 2047 words.
    #expect(mail.raw.utf8.allSatisfy { $0 < 128 })
    #expect(mail.raw.contains("Subject: =?UTF-8?B?") && mail.raw.contains("MIME-Version: 1.0\r\n"))
    #expect(mail.raw.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 998 && !$0.contains("\n") })
  }

  @Test func aPlainTextMessageIsOnePart() async throws {
    let sink = try await SMTPSink()
    defer { sink.stop() }
    try await client(sink.port).send(MailMessage(to: "a@example.org", subject: "Plain ASCII subject", text: "Hello"))
    let mail = try #require(try sink.received().first)
    #expect(mail.raw.contains("Subject: Plain ASCII subject\r\n"))
    #expect(mail.contentType == "text/plain")
    #expect(mail.parts.map { normalized($0.text) } == ["Hello"])
  }

  /// Lines of the DATA payload that start with a dot reach the server unchanged: without
  /// dot-stuffing, the `.` line would end the message early and `..two` would lose a dot.
  @Test func linesStartingWithADotSurviveTheDataPhase() async throws {
    let sink = try await SMTPSink()
    defer { sink.stop() }
    let raw = "Subject: dots\r\n\r\nfirst\r\n.\r\n.hidden\r\n..two\r\nlast\r\n"
    try await client(sink.port).deliver(raw, from: "no-reply@example.com", to: "a@example.org")
    let mail = try #require(try sink.received().first)
    #expect(mail.raw == raw)
  }

  @Test func startTLSWithAuthSendsAndAWrongPasswordIsRefused() async throws {
    let sink = try await SMTPSink()
    let certificates = try TestCertificates(in: sink.directory)
    sink.stop()
    let secure = try await SMTPSink(certificates.sinkArguments + ["--require-starttls", "--auth", "mailer:correct-horse"])
    defer { secure.stop() }
    let good = client(secure.port, host: "localhost", security: .starttls) {
      $0.trustRoots = certificates.caFile
      ($0.username, $0.password) = ("mailer", "correct-horse")
    }
    try await good.send(Self.message)
    #expect(try secure.received().map(\.subject) == [Self.message.subject])

    let wrong = client(secure.port, host: "localhost", security: .starttls) {
      $0.trustRoots = certificates.caFile
      ($0.username, $0.password) = ("mailer", "wrong-password")
    }
    let refused = await failure(wrong, Self.message)
    #expect(refused == MailSendFailure(reason: "authentication refused", permanent: true))
    #expect(!(refused?.reason.contains("wrong-password") ?? true))

    // The same server, but its CA not trusted: the handshake fails before any credential is sent.
    let untrusted = client(secure.port, host: "localhost", security: .starttls) { ($0.username, $0.password) = ("mailer", "correct-horse") }
    #expect(await failure(untrusted, Self.message) == MailSendFailure(reason: "TLS handshake failed", permanent: false))
    #expect(try secure.received().count == 1)
  }

  @Test func implicitTLSToAnIPAddressChecksTheCertificateAgainstIt() async throws {
    let sink = try await SMTPSink()
    let certificates = try TestCertificates(in: sink.directory)
    sink.stop()
    let secure = try await SMTPSink(certificates.sinkArguments + ["--implicit-tls"])
    defer { secure.stop() }
    try await client(secure.port, host: "127.0.0.1", security: .tls) { $0.trustRoots = certificates.caFile }.send(Self.message)
    #expect(try secure.received().map(\.rcptTos) == [["minji@example.org"]])
  }

  @Test func aServerWithoutSTARTTLSIsRefusedWhenTLSIsRequired() async throws {
    let sink = try await SMTPSink()
    defer { sink.stop() }
    let failure = await failure(client(sink.port, security: .starttls), Self.message)
    #expect(failure == MailSendFailure(reason: "STARTTLS not offered", permanent: false))
    #expect(try sink.received().isEmpty)
  }

  @Test func aRefusedRecipientIsAPermanentFailureAtRCPT() async throws {
    let sink = try await SMTPSink(["--reject-rcpt", "nobody"])
    defer { sink.stop() }
    var message = Self.message
    message.to = "nobody@example.org"
    #expect(await failure(client(sink.port), message) == MailSendFailure(reason: "550 from the server at RCPT", permanent: true))
    #expect(try sink.received().isEmpty)
  }

  @Test func nothingListeningIsATemporaryConnectionFailure() async throws {
    let port = try FreePort.find()
    #expect(await failure(client(port), Self.message) == MailSendFailure(reason: "connection failed", permanent: false))
  }

  /// A server that accepts the connection and never greets: the time limit ends the send.
  @Test func aSilentServerTimesOut() async throws {
    let listener = try SilentListener()
    defer { listener.close() }
    // No time is asserted (a loaded machine takes what it takes): the send ends, and says why.
    let failure = await failure(client(listener.port) { $0.timeout = .milliseconds(500) }, Self.message)
    #expect(failure == MailSendFailure(reason: "timed out", permanent: false))
  }

  @Test func anAddressThatCouldInjectACommandIsRefusedBeforeConnecting() async throws {
    var message = Self.message
    message.to = "a@example.org>\r\nRCPT TO:<b@example.org"
    #expect(await failure(client(1), message) == MailSendFailure(reason: "invalid recipient address", permanent: true))
  }
}

/// A loopback socket that listens but never accepts: the kernel completes connections to it, and
/// nothing is ever said on them.
struct SilentListener {
  let descriptor: Int32
  let port: Int

  init() throws {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let result = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
        guard bind(descriptor, pointer, length) == 0, listen(descriptor, 8) == 0 else { return -1 }
        return getsockname(descriptor, pointer, &length)
      }
    }
    guard result == 0 else {
      _ = Glibc.close(descriptor)
      throw TestFailure("no listening socket")
    }
    self.descriptor = descriptor
    port = Int(UInt16(bigEndian: address.sin_port))
  }

  func close() { _ = Glibc.close(descriptor) }
}
