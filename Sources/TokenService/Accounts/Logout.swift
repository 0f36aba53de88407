import Foundation
import Shared

/// `token.logout` and `token.logout_all`. The database change commits first; then Redis learns
/// the revocation (kept until the tokens expire) and every gateway is told at once.
struct Logout: Sendable {
    let sessions: SessionStore
    let redis: RedisClient
    let events: EventBus

    func logout(_ request: LogoutRequest, requestID: String?) async throws -> LogoutResponse {
        let (user, session) = try ids(request)
        let ended = try await sessions.end(sessionID: session, userID: user, requestID: requestID)
        try await redis.send("ZADD", .string(RevocationKeys.jtis), .int(request.expiresAt), .string(request.jti))
        try await redis.send("ZREMRANGEBYSCORE", .string(RevocationKeys.jtis), "-inf", .int(Int(Date().timeIntervalSince1970) - 120))
        try await events.publish(Topics.revoked, Revocation(jti: request.jti, expiresAt: request.expiresAt))
        return LogoutResponse(sessionsEnded: ended)
    }

    func logoutAll(_ request: LogoutRequest, requestID: String?) async throws -> LogoutResponse {
        let (user, _) = try ids(request)
        let (ended, version) = try await sessions.endAll(userID: user, reason: "logout_all", requestID: requestID)
        try await redis.send("HSET", .string(RevocationKeys.tokenVersions), .string(request.userID), .int(version))
        try await events.publish(Topics.revoked, Revocation(userID: request.userID, tokenVersion: version))
        return LogoutResponse(sessionsEnded: ended)
    }

    private func ids(_ request: LogoutRequest) throws(Problem) -> (UUID, UUID) {
        guard let user = UUID(uuidString: request.userID), let session = UUID(uuidString: request.sessionID) else {
            throw Problem.badRequest("The token names no session.", code: "invalid_token")
        }
        return (user, session)
    }
}
