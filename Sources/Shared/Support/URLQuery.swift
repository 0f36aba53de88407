import Foundation

/// Query strings Gatehouse writes into URLs it sends browsers to (authorization answers, logout
/// redirects).
public enum URLQuery {
  /// Everything but RFC 3986's unreserved ASCII characters percent-encoded, so `+`, `&`, `=` and
  /// non-ASCII letters survive every reader.
  public static func escape(_ text: String) -> String {
    text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
  }

  /// `name=value&…`, every name and value escaped.
  public static func encode(_ pairs: [(String, String)]) -> String {
    pairs.map { escape($0.0) + "=" + escape($0.1) }.joined(separator: "&")
  }

  private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}

extension Optional where Wrapped: Sendable {
  /// `flatMap` for an async transform.
  public func asyncFlatMap<T>(_ transform: (Wrapped) async throws -> T?) async rethrows -> T? {
    guard let value = self else { return nil }
    return try await transform(value)
  }
}
