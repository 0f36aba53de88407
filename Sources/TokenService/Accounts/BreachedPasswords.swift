import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore
import Shared

/// The breached-password check (docs/accounts.md, "Passwords"): the k-anonymity range protocol of
/// Have I Been Pwned's Pwned Passwords. Only the first five hex digits of the password's SHA-1
/// leave the machine (`GET {api}/range/{prefix}`, with `Add-Padding` so the answer's size says
/// nothing either); the answer lists the suffixes of every breached password with that prefix.
/// Off unless `GATEHOUSE_PASSWORD_BREACH_API` names the API. When the API cannot answer within
/// `GATEHOUSE_PASSWORD_BREACH_TIMEOUT_MS` the password is let through and a warning logged:
/// nobody's registration waits on another company's outage.
struct BreachedPasswords: Sendable {
  let api: String
  let timeout: TimeAmount
  let logger: Logger

  static func load(_ settings: Settings, logger: Logger) throws(ConfigurationError) -> BreachedPasswords? {
    guard let api = settings.string("GATEHOUSE_PASSWORD_BREACH_API") else { return nil }
    guard let url = URL(string: api), ["http", "https"].contains(url.scheme ?? ""), url.host != nil, url.query == nil else {
      throw ConfigurationError(name: "GATEHOUSE_PASSWORD_BREACH_API", problem: "expected an http(s) URL without a query")
    }
    let milliseconds = try settings.int("GATEHOUSE_PASSWORD_BREACH_TIMEOUT_MS", default: 2000, range: 100...30_000)
    return BreachedPasswords(
      api: api.hasSuffix("/") ? String(api.dropLast()) : api, timeout: .milliseconds(Int64(milliseconds)), logger: logger)
  }

  /// Whether the list has `password`; false when the API did not answer.
  func contains(_ password: String) async -> Bool {
    let hash = Insecure.SHA1.hash(data: Array(password.utf8)).map { String(format: "%02X", $0) }.joined()
    let prefix = hash.prefix(5)
    var request = HTTPClientRequest(url: "\(api)/range/\(prefix)")
    request.headers.add(name: "Add-Padding", value: "true")
    request.headers.add(name: "User-Agent", value: "Gatehouse")
    do {
      let response = try await HTTPClient.shared.execute(request, timeout: timeout)
      guard response.status == .ok else {
        logger.warning("breached-password API refused", metadata: ["status": "\(response.status.code)"])
        return false
      }
      let body = String(buffer: try await response.body.collect(upTo: 4 << 20))
      return Self.lists(suffix: hash.dropFirst(5), in: body)
    } catch {
      logger.warning("breached-password API did not answer", metadata: ["error": "\(type(of: error))"])
      return false
    }
  }

  /// A range answer's lines are `SUFFIX:COUNT`; padding lines have a count of 0.
  static func lists(suffix: Substring, in body: String) -> Bool {
    body.split(whereSeparator: \.isNewline).contains { line in
      let parts = line.split(separator: ":")
      return parts.count == 2 && parts[0].uppercased() == suffix && (Int(parts[1].trimmingCharacters(in: .whitespaces)) ?? 0) > 0
    }
  }
}
