import Foundation
import NIOCore
import Shared

/// The ceremonies under way (docs/passkeys.md): each challenge a Redis key for 5 minutes, taken
/// with GETDEL, so a challenge answers at most one ceremony however many responses race for it.
struct PasskeyChallengeStore: Sendable {
  /// What the options promised, to check the response against.
  struct Pending: Codable, Sendable {
    enum Purpose: String, Codable, Sendable {
      case register
      case signIn = "sign_in"
      case secondFactor = "second_factor"
    }

    var purpose: Purpose
    var challenge: [UInt8]
    /// Who registers or passes the second factor (nil at sign-in: the credential says who).
    var userID: UUID?
    var service: String
    var rpID: String
    var origins: [String]

    enum CodingKeys: String, CodingKey {
      case purpose, challenge, service, origins
      case userID = "user_id"
      case rpID = "rp_id"
    }
  }

  static let lifetime = 300

  let redis: RedisClient

  /// Keeps `pending`; returns the ceremony's id.
  func put(_ pending: Pending) async throws -> String {
    let id = Base64URL.encode(SecureRandom.bytes(24))
    let json = String(buffer: try JSON.encode(pending))
    _ = try await redis.send("SET", .string(Self.key(id)), .string(json), "EX", .int(Self.lifetime))
    return id
  }

  /// Takes the ceremony `id` for `purpose`; `passkey_ceremony_expired` when it is unknown, taken,
  /// older than its lifetime, or another ceremony's.
  func take(_ id: String, for purpose: Pending.Purpose) async throws -> Pending {
    guard id.utf8.count == 32, Base64URL.decode(id) != nil,
      let json = try await redis.send("GETDEL", .string(Self.key(id))).string,
      let pending = try? JSON.decode(Pending.self, from: ByteBuffer(string: json)), pending.purpose == purpose
    else {
      throw PasskeyProblems.ceremonyExpired.problem("Ask for new options and start again.", field: "challenge_id")
    }
    return pending
  }

  private static func key(_ id: String) -> String { "gh:passkey:\(id)" }
}
