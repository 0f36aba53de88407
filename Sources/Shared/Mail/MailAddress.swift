import Foundation

/// An address as the From setting writes it, `Gatehouse <no-reply@example.com>` or a bare
/// `no-reply@example.com`: the bare address goes into the envelope, the whole into the header.
struct MailAddress: Sendable, Equatable {
  let displayName: String?
  let address: String

  /// Nil when `text` is not one of the two forms or the address is not `local@domain` in ASCII
  /// without spaces, angle brackets or line breaks (which would let it end a header or a command).
  init?(parsing text: String) {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    if trimmed.hasSuffix(">"), let open = trimmed.lastIndex(of: "<") {
      let name = trimmed[..<open].trimmingCharacters(in: .whitespaces)
      let unquoted = name.count >= 2 && name.hasPrefix("\"") && name.hasSuffix("\"") ? String(name.dropFirst().dropLast()) : name
      guard !unquoted.contains(where: { $0.isNewline || $0 == "\"" || $0 == "\\" }) else { return nil }
      displayName = unquoted.isEmpty ? nil : unquoted
      address = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
    } else {
      displayName = nil
      address = trimmed
    }
    guard Self.isBareAddress(address) else { return nil }
  }

  /// `local@domain`, printable ASCII, no spaces, brackets or quotes: safe in `MAIL FROM:<…>`,
  /// `RCPT TO:<…>` and a header. (Addresses that need SMTPUTF8 are not supported.)
  static func isBareAddress(_ text: String) -> Bool {
    let parts = text.split(separator: "@", omittingEmptySubsequences: false)
    guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, text.utf8.count <= 254 else { return false }
    return text.unicodeScalars.allSatisfy { $0.isASCII && $0.value > 32 && $0.value < 127 && !"<>()[],;:\\\"".unicodeScalars.contains($0) }
  }

  /// The part after `@`, for Message-ID.
  var domain: Substring { address[address.index(after: address.lastIndex(of: "@") ?? address.startIndex)...] }

  /// The header form: the name as an encoded word when it is not ASCII, quoted otherwise.
  var header: String {
    guard let displayName else { return address }
    return "\(MIMEText.phrase(displayName)) <\(address)>"
  }
}
