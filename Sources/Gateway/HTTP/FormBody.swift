import Foundation
import Hummingbird
import NIOCore
import Shared

/// An `application/x-www-form-urlencoded` body as plain name/value pairs (the first of repeats).
enum FormBody {
  static func decode(_ request: Request) async throws -> [String: String] {
    guard request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
      throw RequestProblems.unsupportedMediaType.problem("Send the form as application/x-www-form-urlencoded.")
    }
    guard let pairs = pairs(try await request.body.collect(upTo: JSONBody.limit)) else {
      throw RequestProblems.invalidRequest.problem("The form is not valid URL encoding.")
    }
    var values: [String: String] = [:]
    for (name, value) in pairs where values[name] == nil { values[name] = value }
    return values
  }

  /// The decoded pairs in order, or nil when the encoding is broken.
  static func pairs(_ buffer: ByteBuffer) -> [(String, String)]? {
    var pairs: [(String, String)] = []
    for pair in String(buffer: buffer).split(separator: "&") {
      let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      guard let name = decode(parts[0]), let value = decode(parts.count > 1 ? parts[1] : "") else { return nil }
      pairs.append((name, value))
    }
    return pairs
  }

  static func decode(_ text: Substring) -> String? {
    text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
  }
}
