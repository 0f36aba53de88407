import Foundation

/// The encodings a message's text needs to travel as 7-bit lines of at most 998 octets:
/// RFC 2047 encoded words for headers, base64 (Foundation's, wrapped at 76) for bodies.
enum MIMEText {
  /// Octets of text per encoded word: 36 bytes are 48 base64 characters, so a word is 60
  /// characters and `Subject: ` plus the first stays under the 78 columns RFC 5322 asks for.
  static let bytesPerWord = 36

  /// `text` as it may stand in an unstructured header (Subject): unchanged when it is printable
  /// ASCII, otherwise `=?UTF-8?B?…?=` words, folded one per line. Encoding also keeps a line
  /// break in the text from ending the header.
  static func unstructured(_ text: String) -> String {
    guard needsEncoding(text) else { return text }
    return encodedWords(text).joined(separator: "\r\n ")
  }

  /// A display name: encoded words when it is not ASCII, a quoted string when it is.
  static func phrase(_ text: String) -> String {
    needsEncoding(text) ? encodedWords(text).joined(separator: " ") : "\"\(text)\""
  }

  /// Anything but printable ASCII and spaces, or a line longer than a header should hold.
  static func needsEncoding(_ text: String) -> Bool {
    text.utf8.count > 900 || text.unicodeScalars.contains { !($0.value >= 32 && $0.value < 127) } || text.contains("=?")
  }

  /// UTF-8 cut into words between characters (never inside one, which RFC 2047 forbids).
  static func encodedWords(_ text: String) -> [String] {
    var words: [String] = []
    var chunk = Data()
    for character in text {
      let bytes = Data(String(character).utf8)
      if !chunk.isEmpty, chunk.count + bytes.count > bytesPerWord {
        words.append("=?UTF-8?B?\(chunk.base64EncodedString())?=")
        chunk = Data()
      }
      chunk.append(bytes)
    }
    words.append("=?UTF-8?B?\(chunk.base64EncodedString())?=")
    return words
  }

  /// A body part's content as base64 lines of 76 characters with CRLF, after turning every line
  /// break of `text` into CRLF (the canonical form of text/* before encoding, RFC 2045).
  static func base64Body(_ text: String) -> String {
    let canonical = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
      .replacingOccurrences(of: "\n", with: "\r\n")
    return Data(canonical.utf8).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
  }
}
