import Foundation
import Logging
import Shared

/// What the gateway must refuse although the signature is good: revoked jtis (logout) and tokens
/// below a user's token version (logout-all). Fed by `gh:ev:revoked` at once, and reloaded from
/// Redis at start and every 30 s so that a gateway that missed events (it was starting, Redis
/// restarted) catches up.
actor RevocationList {
    private var jtis: [String: Int] = [:]                            // jti → exp (unix seconds)
    private var versions: [String: (version: Int, until: Int)] = [:] // user id → lowest valid token version

    func isRevoked(_ claims: AccessTokenClaims) -> Bool {
        if jtis[claims.jti] != nil { return true }
        if let minimum = versions[claims.sub], claims.tv < minimum.version { return true }
        return false
    }

    func apply(_ revocation: Revocation) {
        let now = Int(Date().timeIntervalSince1970)
        if let jti = revocation.jti { jtis[jti] = revocation.expiresAt ?? now + RevocationKeys.longestTokenLife }
        if let user = revocation.userID, let version = revocation.tokenVersion {
            raise(user, to: version, until: now + RevocationKeys.longestTokenLife)
        }
    }

    private func raise(_ user: String, to version: Int, until: Int) {
        if let known = versions[user], known.version >= version { return }
        versions[user] = (version, until)
    }

    /// Merges in Redis' copy (which holds everything still relevant) and forgets what no longer
    /// matters: revoked tokens that have expired, versions older than the longest token life.
    func reload(from redis: RedisClient) async throws {
        let now = Int(Date().timeIntervalSince1970)
        let revoked = try await redis.send("ZRANGEBYSCORE", .string(RevocationKeys.jtis), .int(now - 60), "+inf", "WITHSCORES")
        let raised = try await redis.send("ZRANGEBYSCORE", .string(RevocationKeys.tokenVersions), .int(now), "+inf", "WITHSCORES")
        jtis = jtis.filter { $0.value >= now - 60 }
        versions = versions.filter { $0.value.until >= now }
        for (jti, exp) in Self.pairs(revoked) { jtis[jti] = exp }
        for (member, until) in Self.pairs(raised) {
            guard let colon = member.lastIndex(of: ":"), let version = Int(member[member.index(after: colon)...]) else { continue }
            raise(String(member[..<colon]), to: version, until: until)
        }
    }

    /// A `WITHSCORES` reply as (member, integer score) pairs.
    private static func pairs(_ reply: RESPValue) -> [(String, Int)] {
        let items = reply.array ?? []
        return stride(from: 0, to: items.count - 1, by: 2).compactMap { index in
            guard let member = items[index].string,
                  let score = items[index + 1].int ?? items[index + 1].string.flatMap({ Double($0) }).map({ Int($0) }) else { return nil }
            return (member, score)
        }
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
