import Foundation
import Shared

/// Tells every gateway that tokens stopped verifying, after the database change has committed:
/// Redis keeps the fact until the tokens would have expired anyway (for gateways that start
/// later or missed the event), and `gh:ev:revoked` delivers it at once.
struct RevocationPublisher: Sendable {
    let redis: RedisClient
    let events: EventBus

    /// One access token, by jti, until it expires.
    func revoke(jti: String, expiresAt: Int) async throws {
        try await redis.send("ZADD", .string(RevocationKeys.jtis), .int(expiresAt), .string(jti))
        try await redis.send("ZREMRANGEBYSCORE", .string(RevocationKeys.jtis), "-inf", .int(Self.now - 120))
        try await events.publish(Topics.revoked, Revocation(jti: jti, expiresAt: expiresAt))
    }

    /// Every access token of the user below `version`.
    func raise(userID: String, to version: Int) async throws {
        try await redis.send("ZADD", .string(RevocationKeys.tokenVersions), .int(Self.now + RevocationKeys.longestTokenLife),
                             .string("\(userID):\(version)"))
        try await redis.send("ZREMRANGEBYSCORE", .string(RevocationKeys.tokenVersions), "-inf", .int(Self.now))
        try await events.publish(Topics.revoked, Revocation(userID: userID, tokenVersion: version))
    }

    private static var now: Int { Int(Date().timeIntervalSince1970) }
}
