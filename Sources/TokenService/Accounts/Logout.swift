import Foundation
import Shared

/// `token.logout` and `token.logout_all`. The database change commits first; then the gateways
/// learn the revocation.
struct Logout: Sendable {
  let sessions: SessionStore
  let revocations: RevocationPublisher

  func logout(_ request: LogoutRequest, requestID: String?) async throws -> LogoutResponse {
    let (user, session) = try ids(request)
    let ended = try await sessions.end(sessionID: session, userID: user, revoking: (request.jti, request.expiresAt), requestID: requestID)
    try await revocations.revoke(jti: request.jti, expiresAt: request.expiresAt)
    return LogoutResponse(sessionsEnded: ended)
  }

  func logoutAll(_ request: LogoutRequest, requestID: String?) async throws -> LogoutResponse {
    let (user, _) = try ids(request)
    let (ended, version) = try await sessions.endAll(userID: user, reason: "logout_all", requestID: requestID)
    try await revocations.raise(userID: request.userID, to: version)
    return LogoutResponse(sessionsEnded: ended)
  }

  private func ids(_ request: LogoutRequest) throws(Problem) -> (UUID, UUID) {
    guard let user = UUID(uuidString: request.userID), let session = UUID(uuidString: request.sessionID) else {
      throw SignInProblems.invalidTokenRequest.problem("The token names no session.")
    }
    return (user, session)
  }
}
