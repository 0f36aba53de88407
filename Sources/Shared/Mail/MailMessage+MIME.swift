import Foundation

extension MailMessage {
  /// The message as RFC 5322 text with CRLF line endings (the DATA payload before dot-stuffing):
  /// From, To, Subject, Date, Message-ID and MIME headers, then a base64 text/plain part, or a
  /// multipart/alternative of text and HTML.
  func rendered(from sender: MailAddress, date: Date = Date(), messageID: String, boundary: String) -> String {
    var lines = [
      "From: \(sender.header)",
      "To: \(to)",
      "Subject: \(MIMEText.unstructured(subject))",
      "Date: \(Self.rfc5322Date(date))",
      "Message-ID: <\(messageID)>",
      "MIME-Version: 1.0",
    ]
    if let html {
      lines += [
        "Content-Type: multipart/alternative; boundary=\"\(boundary)\"", "",
        "This is a message in MIME format: a text part and an HTML part.", "",
        "--\(boundary)", Self.part("text/plain", text), "--\(boundary)", Self.part("text/html", html), "--\(boundary)--",
      ]
    } else {
      lines.append(Self.part("text/plain", text))
    }
    return lines.joined(separator: "\r\n") + "\r\n"
  }

  /// A part's headers, a blank line and its base64 content (no trailing line break).
  private static func part(_ type: String, _ content: String) -> String {
    let body = MIMEText.base64Body(content)
    return "Content-Type: \(type); charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n\(body)"
  }

  /// `Mon, 07 Dec 2026 20:13:45 +0000`: English names whatever the process's locale.
  static func rfc5322Date(_ date: Date) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(secondsFromGMT: 0)
    formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
    return formatter.string(from: date)
  }
}
