import Foundation
import Testing

@testable import Shared

/// The pieces of the SMTP client that need no server: reply lines, the DATA payload, MIME words.
@Suite struct MailEncodingTests {
  @Test func replyLinesAreReadWithTheirCodeAndWhetherTheyEndTheReply() throws {
    #expect(try SMTPReplyDecoder.parse("250-STARTTLS") == (250, false, "STARTTLS"))
    #expect(try SMTPReplyDecoder.parse("250 HELP") == (250, true, "HELP"))
    #expect(try SMTPReplyDecoder.parse("354") == (354, true, ""))
    for garbage in ["", "25", "2x0 OK", "250+OK", "099 low", "HTTP/1.1 200 OK"] {
      #expect(throws: SMTPProtocolViolation.self, "\(garbage)") { try SMTPReplyDecoder.parse(garbage) }
    }
  }

  @Test func ehloExtensionsAreTheKeywordsAfterTheGreetingLine() {
    let reply = SMTPReply(code: 250, lines: ["mail.example.com greets you", "SIZE 1000", "starttls", "AUTH PLAIN LOGIN"])
    #expect(reply.extensions == ["SIZE", "STARTTLS", "AUTH"])
  }

  @Test func theDataPayloadIsDotStuffedWithCRLFAndEnded() throws {
    let payload = try #require(SMTPDataPayload.encode("a\n.\n..b\r\nc"))
    #expect(String(buffer: payload) == "a\r\n..\r\n...b\r\nc\r\n.\r\n")
    #expect(SMTPDataPayload.encode(String(repeating: "x", count: 999)) == nil)
    #expect(SMTPDataPayload.encode("." + String(repeating: "x", count: 997)) == nil)
  }

  @Test func aLongKoreanSubjectBecomesFoldedWordsThatDecodeToIt() throws {
    let subject = String(repeating: "가나다라마바사 ", count: 8) + "🇰🇷 끝"
    let header = MIMEText.unstructured(subject)
    let words = header.components(separatedBy: "\r\n ")
    #expect(words.count > 1)
    var decoded = Data()
    for word in words {
      #expect(word.hasPrefix("=?UTF-8?B?") && word.hasSuffix("?=") && word.count <= 75)
      // Each word decodes on its own to whole characters (RFC 2047 §5: no character split).
      let bytes = try #require(Data(base64Encoded: String(word.dropFirst(10).dropLast(2))))
      #expect(String(data: bytes, encoding: .utf8) != nil)
      decoded.append(bytes)
    }
    #expect(String(decoding: decoded, as: UTF8.self) == subject)
  }

  @Test func anASCIISubjectStaysAsItIsUnlessItCouldEndTheHeader() {
    #expect(MIMEText.unstructured("Your sign-in code") == "Your sign-in code")
    #expect(MIMEText.unstructured("Hi\r\nBcc: x@example.com").hasPrefix("=?UTF-8?B?"))
  }

  @Test func fromAcceptsANameOrABareAddressAndNothingThatCouldInjectAHeader() throws {
    let named = try #require(MailAddress(parsing: "Gatehouse <no-reply@example.com>"))
    #expect(named.address == "no-reply@example.com" && named.header == "\"Gatehouse\" <no-reply@example.com>")
    #expect(MailAddress(parsing: "게이트하우스 <no-reply@example.com>")?.header.hasPrefix("=?UTF-8?B?") == true)
    #expect(MailAddress(parsing: "no-reply@example.com")?.domain == "example.com")
    for bad in ["no-reply", "a b@example.com", "x <a@example.com>\r\nBcc: y@example.com", "<a@example.com", "a@example.com>"] {
      #expect(MailAddress(parsing: bad) == nil, "\(bad)")
    }
  }
}
