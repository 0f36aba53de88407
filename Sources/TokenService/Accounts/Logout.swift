import Foundation
import Shared

/// `token.logout` and `token.logout_all`. The database change commits first; then the gateways
/// learn the revocation.
struct Logout: Sendable {
  let sessions: SessionStore
  let revocations: RevocationPublisher

  /// Ends `caller`'s session and revokes `token`, the access token they presented.
  func logout(_ caller: SignedInCaller, token: (id: String, expiresAt: Int), requestID: String?) async throws -> LogoutResponse {
    let (user, session) = try ids(caller)
    let ended = try await sessions.end(sessionID: session, userID: user, revoking: (token.id, token.expiresAt), requestID: requestID)
    try await revocations.revoke(jti: token.id, expiresAt: token.expiresAt)
    return LogoutResponse(sessionsEnded: ended)
  }

  func logoutAll(_ caller: SignedInCaller, requestID: String?) async throws -> LogoutResponse {
    let (user, _) = try ids(caller)
    let (ended, version) = try await sessions.endAll(userID: user, reason: "logout_all", requestID: requestID)
    try await revocations.raise(userID: caller.userID, to: version)
    return LogoutResponse(sessionsEnded: ended)
  }

  private func ids(_ caller: SignedInCaller) throws(Problem) -> (UUID, UUID) {
    guard let user = UUID(uuidString: caller.userID), let session = UUID(uuidString: caller.sessionID ?? "") else {
      throw SignInProblems.invalidTokenRequest.problem("The token names no session.")
    }
    return (user, session)
  }
}
