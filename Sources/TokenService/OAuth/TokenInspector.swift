import Foundation
import Shared

/// `POST /oauth/introspect` (RFC 7662) and `POST /oauth/revoke` (RFC 7009). A client sees and
/// revokes only tokens issued for its own service; for introspection it must authenticate with
/// its secret (it is a resource server), and every other token reads as inactive.
struct TokenInspector: Sendable {
  let clients: ClientAuthenticator
  let reader: AccessTokenReader
  let refreshTokens: RefreshStore
  let sessions: SessionStore
  let logins: LoginStore
  let revocations: RevocationPublisher
  let revoked: RevocationStore
  let leeway = 30

  func introspect(_ request: OAuthTokenInspection) async throws -> Introspection {
    let client = try await clients.authenticate(request.credentials, requireSecret: true)
    if request.tokenTypeHint != "refresh_token", let claims = await reader.claims(of: request.token) {
      return try await isActive(claims, for: client.service) ? Self.introspection(claims) : .inactive
    }
    guard let held = try await refreshTokens.held(token: request.token), held.usable, held.serviceID == client.service.id else {
      return .inactive
    }
    return Introspection(
      active: true, tokenType: "refresh_token", scope: TokenIssuer.userScope, clientID: held.clientID, username: held.username,
      sub: held.userID.uuidString.lowercased(), aud: held.serviceSlug, exp: Int(held.expiresAt.timeIntervalSince1970),
      iat: Int(held.issuedAt.timeIntervalSince1970), sid: held.sessionID.uuidString.lowercased())
  }

  /// Revokes a refresh token (its whole session ends) or an access token (its jti). Unknown
  /// tokens are not an error (RFC 7009 section 2.2); another client's token is refused.
  func revoke(_ request: OAuthTokenInspection, requestID: String?) async throws {
    let client = try await clients.authenticate(request.credentials, requireSecret: false)
    if request.tokenTypeHint != "access_token", let held = try await refreshTokens.held(token: request.token) {
      guard held.serviceID == client.service.id else { throw Self.notYours }
      _ = try await sessions.end(
        sessionID: held.sessionID, userID: held.userID, reason: "oauth_revoke",
        clientID: client.service.clientID, requestID: requestID)
      return
    }
    guard let claims = await reader.claims(of: request.token) else { return }
    guard claims.aud == client.service.slug else { throw Self.notYours }
    if claims.exp + leeway > Int(Date().timeIntervalSince1970) {
      try await revoked.revokeAccessToken(
        jti: claims.jti, expiresAt: claims.exp, serviceID: client.service.id,
        clientID: client.service.clientID, requestID: requestID)
      try await revocations.revoke(jti: claims.jti, expiresAt: claims.exp + leeway)
    }
  }

  static let notYours = OAuthProblems.unauthorizedClient.problem("The token was issued to another client.")

  /// What the gateway would decide, checked against the authoritative records: times, audience,
  /// the revoked jtis, the user's current token version, and for the service's own token the
  /// client secret's current version.
  private func isActive(_ claims: AccessTokenClaims, for service: ServiceRecord) async throws -> Bool {
    let now = Int(Date().timeIntervalSince1970)
    guard claims.aud == service.slug, claims.exp + leeway > now, claims.nbf - leeway <= now else { return false }
    if try await revoked.isRevoked(jti: claims.jti) { return false }
    guard claims.sid != nil else { return claims.sub == service.clientID && claims.tv >= service.secretVersion }
    guard let user = UUID(uuidString: claims.sub), let account = try await logins.account(id: user) else { return false }
    return account.isActive && claims.tv >= account.tokenVersion
  }

  private static func introspection(_ claims: AccessTokenClaims) -> Introspection {
    Introspection(
      active: true, tokenType: "Bearer", scope: claims.scope, clientID: claims.clientID, sub: claims.sub,
      aud: claims.aud, iss: claims.iss, exp: claims.exp, iat: claims.iat, nbf: claims.nbf, jti: claims.jti,
      sid: claims.sid, roles: claims.roles)
  }
}
