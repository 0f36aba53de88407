import Foundation
import Hummingbird

/// `Authorization: Basic base64(id:secret)`, as both OAuth clients and service providers send it.
enum BasicCredentials {
  enum Parsed {
    /// No Basic authorization header.
    case absent
    /// A Basic header that does not decode to `id:secret`.
    case malformed
    case present(id: String, secret: String)
  }

  static func parse(_ request: Request) -> Parsed {
    guard let authorization = request.headers[.authorization], authorization.lowercased().hasPrefix("basic ") else { return .absent }
    guard let data = Data(base64Encoded: String(authorization.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
      let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":")
    else { return .malformed }
    return .present(id: String(text[..<colon]), secret: String(text[text.index(after: colon)...]))
  }
}
