import Foundation
import Logging
import Shared

/// What the gateway must refuse although the signature is good: revoked jtis (logout) and tokens
/// below a user's token version (logout-all). Fed by `gh:ev:revoked` at once, and reloaded from
/// Redis at start and every 30 s so that a gateway that missed events (it was starting, Redis
/// restarted) catches up.
actor RevocationList {
    private var jtis: [String: Int] = [:]          // jti → exp (unix seconds)
    private var versions: [String: Int] = [:]      // user id → lowest valid token version

    func isRevoked(_ claims: AccessTokenClaims) -> Bool {
        if jtis[claims.jti] != nil { return true }
        if let minimum = versions[claims.sub], claims.tv < minimum { return true }
        return false
    }

    func apply(_ revocation: Revocation) {
        if let jti = revocation.jti { jtis[jti] = revocation.expiresAt ?? Int(Date().timeIntervalSince1970) + 86_400 }
        if let user = revocation.userID, let version = revocation.tokenVersion {
            versions[user] = max(versions[user] ?? 0, version)
        }
    }

    /// Replaces the state with Redis' copy (which holds everything still relevant).
    func reload(from redis: RedisClient) async throws {
        let now = Int(Date().timeIntervalSince1970)
        let revoked = try await redis.send("ZRANGEBYSCORE", .string(RevocationKeys.jtis), .int(now - 60), "+inf", "WITHSCORES")
        var fresh: [String: Int] = [:]
        let items = revoked.array ?? []
        var index = 0
        while index + 1 < items.count {
            if let jti = items[index].string, let exp = items[index + 1].int ?? items[index + 1].string.flatMap({ Int(Double($0) ?? 0) }) {
                fresh[jti] = exp
            }
            index += 2
        }
        let hash = try await redis.send("HGETALL", .string(RevocationKeys.tokenVersions)).array ?? []
        var freshVersions: [String: Int] = [:]
        index = 0
        while index + 1 < hash.count {
            if let user = hash[index].string, let version = hash[index + 1].int { freshVersions[user] = version }
            index += 2
        }
        // Keep what events brought in meanwhile; drop what has expired.
        jtis = fresh.merging(jtis.filter { $0.value >= now - 60 }) { a, _ in a }
        versions = freshVersions.merging(versions) { max($0, $1) }
    }

    /// Applies events as they come, and reloads periodically, until cancelled.
    func follow(_ events: AsyncStream<Revocation>, redis: RedisClient, logger: Logger) async {
        await withDiscardingTaskGroup { group in
            group.addTask {
                for await revocation in events { await self.apply(revocation) }
            }
            group.addTask {
                while !Task.isCancelled {
                    do {
                        try await self.reload(from: redis)
                    } catch {
                        logger.debug("revocation reload failed", metadata: ["error": "\(error)"])
                    }
                    try? await Task.sleep(for: .seconds(30))
                }
            }
        }
    }
}
