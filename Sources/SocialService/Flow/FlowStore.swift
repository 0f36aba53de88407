// Flow/: the social sign-in flow: its short-lived state in Redis, and the rules of authorize,
// callback, code exchange and linking.
import Crypto
import Foundation
import Shared

/// The short-lived parts of a social sign-in, in Redis: the authorization state (10 min) and
/// the login code (60 s). Each is taken with GETDEL, so it is used at most once even when two
/// requests race for it, and only its SHA-256 is a key (a Redis dump holds no usable value).
struct FlowStore: Sendable {
  let redis: RedisClient

  static let stateSeconds = 600
  static let codeSeconds = 60

  /// What Gatehouse keeps between sending the browser to the provider and its return.
  struct PendingAuthorization: Codable, Sendable {
    var provider: String
    var service: String
    var redirectURI: String
    var clientState: String?
    /// The client's own PKCE challenge (S256), checked when it exchanges the login code.
    var clientChallenge: String
    /// Gatehouse's PKCE verifier and OIDC nonce towards the provider.
    var verifier: String
    var nonce: String
    /// A link flow: the signed-in user the provider account is to be linked to.
    var linkUserID: String?
    /// A button of the hosted sign-in page: the pending authorization it continues (docs/oidc.md).
    var authorization: String?
  }

  /// A completed sign-in waiting for the client to exchange its code.
  struct LoginCode: Codable, Sendable {
    var userID: String
    var service: String
    var provider: String
    var redirectURI: String
    var clientChallenge: String
  }

  /// A link flow's provider account, waiting for the user who started it to confirm it with
  /// their own access token (so a link flow completed in someone else's browser links nothing).
  struct PendingLink: Codable, Sendable {
    var userID: String
    var provider: String
    var profile: NormalisedProfile
  }

  func save(_ link: PendingLink) async throws -> String {
    try await issue("gh:social:link:", link, seconds: Self.codeSeconds)
  }

  func takeLink(_ code: String) async throws -> PendingLink? {
    try await take("gh:social:link:", code)
  }

  func save(_ pending: PendingAuthorization) async throws -> String {
    try await issue("gh:social:state:", pending, seconds: Self.stateSeconds)
  }

  func takeState(_ state: String) async throws -> PendingAuthorization? {
    try await take("gh:social:state:", state)
  }

  func save(_ code: LoginCode) async throws -> String {
    try await issue("gh:social:code:", code, seconds: Self.codeSeconds)
  }

  func takeCode(_ code: String) async throws -> LoginCode? {
    try await take("gh:social:code:", code)
  }

  private func key(_ prefix: String, _ secret: String) -> String {
    prefix + Base64URL.encode(SHA256.hash(data: Array(secret.utf8)))
  }

  /// Keeps `value` under a new random secret (32 bytes) for `seconds`, and answers the secret.
  private func issue(_ prefix: String, _ value: some Encodable, seconds: Int) async throws -> String {
    let secret = Base64URL.encode(SecureRandom.bytes(32))
    let json = String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    _ = try await redis.send("SET", .string(key(prefix, secret)), .string(json), "EX", .int(seconds))
    return secret
  }

  private func take<T: Decodable>(_ prefix: String, _ secret: String) async throws -> T? {
    guard !secret.isEmpty, secret.count < 200, let json = try await redis.send("GETDEL", .string(key(prefix, secret))).string else {
      return nil
    }
    return try? JSONDecoder().decode(T.self, from: Data(json.utf8))
  }
}
