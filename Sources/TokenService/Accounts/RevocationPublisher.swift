import Foundation
import Shared

/// Tells every gateway that tokens stopped verifying, after the database change (and its row in
/// `token.revocations`, the record gateways reload) has committed: `gh:ev:revoked` delivers it
/// at once.
struct RevocationPublisher: Sendable {
  let events: EventBus

  /// One access token, by jti, until it expires.
  func revoke(jti: String, expiresAt: Int) async throws {
    try await events.publish(Topics.revoked, Revocation(jti: jti, expiresAt: expiresAt))
  }

  /// Every access token of the user (or of the service's own, for a client id) below `version`.
  func raise(userID: String, to version: Int) async throws {
    try await events.publish(
      Topics.revoked,
      Revocation(
        expiresAt: Int(Date().timeIntervalSince1970) + RevocationKeys.longestTokenLife, userID: userID, tokenVersion: version))
  }
}
