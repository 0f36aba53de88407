import Foundation
import Shared

/// Builds access tokens (claims per RFC 9068, signed) and the token responses around them.
struct TokenIssuer: Sendable {
  let signer: AccessTokenSigner
  let issuer: String

  static let userScope = "openid profile email"
  /// A service's own token (`client_credentials`) acts for the service, not for a user.
  static let clientScope = "service"

  /// The response to a sign-in or a refresh; `scope` nil is the JSON API's (`MemberGrant.tokenScope`).
  func grant(
    user: UserSummary, tokenVersion: Int, platformRole: String, service: ServiceRecord, member: MemberGrant, sessionID: UUID,
    mfa: SessionMFA, refreshToken: String, refreshTTL: Int, clientType: ClientType, scope: String? = nil
  ) async throws -> TokenGrant {
    let token = try await issueAccessToken(
      user: user, tokenVersion: tokenVersion, platformRole: platformRole, service: service, member: member,
      sessionID: sessionID, mfa: mfa, scope: scope
    ).token
    var summary = service.summary
    summary.role = member.role
    return TokenGrant(
      accessToken: token, expiresIn: service.accessTokenTTL,
      refreshToken: refreshToken, refreshExpiresIn: refreshTTL, clientType: clientType, user: user, service: summary)
  }

  /// The response to a sign-in that just opened its session (password, MFA or social).
  func grant(account: LoginStore.Account, service: ServiceRecord, opened: LoginStore.Opened, clientType: ClientType) async throws
    -> TokenGrant
  {
    try await grant(
      user: account.summary, tokenVersion: account.tokenVersion, platformRole: account.platformRole, service: service,
      member: opened.member, sessionID: opened.sessionID, mfa: opened.mfa, refreshToken: opened.refreshToken,
      refreshTTL: opened.refreshTTL, clientType: clientType)
  }

  /// A user's access token for one session: the membership's role, the scopes the member holds
  /// and the permissions of both, the platform role when it is more than USER, and what the
  /// session proved (`amr`, `mfa_at`).
  func accessToken(
    user: UserSummary, tokenVersion: Int, platformRole: String, service: ServiceRecord, member: MemberGrant,
    sessionID: UUID, mfa: SessionMFA
  ) async throws -> String {
    try await issueAccessToken(
      user: user, tokenVersion: tokenVersion, platformRole: platformRole, service: service, member: member, sessionID: sessionID,
      mfa: mfa, scope: nil
    ).token
  }

  /// An access token with what revoking it needs (its `jti` and `exp`); `scope` is what the
  /// client was granted (nil: the JSON API's).
  func issueAccessToken(
    user: UserSummary, tokenVersion: Int, platformRole: String, service: ServiceRecord, member: MemberGrant,
    sessionID: UUID, mfa: SessionMFA, scope: String?
  ) async throws -> IssuedAccessToken {
    let claims = userClaims(
      user: user, tokenVersion: tokenVersion, platformRole: platformRole, service: service, member: member, sessionID: sessionID,
      mfa: mfa, scope: scope)
    return IssuedAccessToken(token: try await signer.sign(claims), jti: claims.jti, exp: claims.exp)
  }

  /// The claims of a user's access token, not yet signed: a caller inside a transaction records
  /// its `jti` there and signs after the commit.
  func userClaims(
    user: UserSummary, tokenVersion: Int, platformRole: String, service: ServiceRecord, member: MemberGrant,
    sessionID: UUID, mfa: SessionMFA, scope: String?
  ) -> AccessTokenClaims {
    var claims = claims(
      sub: user.id, service: service, sid: sessionID.uuidString.lowercased(), scope: member.tokenScope(scope, service: service),
      roles: [member.role], tv: tokenVersion)
    claims.permissions = member.allPermissions
    claims.platformRole = platformRole == PlatformRole.user.rawValue ? nil : platformRole
    let first = ["password": "pwd", "passkey": "hwk"][mfa.method] ?? "fed"
    claims.amr = mfa.verifiedAt == nil ? [first] : [first, first == "hwk" ? "user" : "otp", "mfa"]
    claims.mfaAt = mfa.verifiedAt.map { Int($0.timeIntervalSince1970) }
    claims.mfaEnabled = mfa.enabled ? true : nil
    return claims
  }

  /// The service's own access token: `sub` is its client id, and there is no session or user.
  /// `tv` is the client secret's version, so rotating the secret revokes it.
  func clientToken(service: ServiceRecord) async throws -> String {
    try await signer.sign(
      claims(
        sub: service.clientID, service: service, sid: nil, scope: Self.clientScope, roles: [],
        tv: service.secretVersion))
  }

  private func claims(sub: String, service: ServiceRecord, sid: String?, scope: String, roles: [String], tv: Int) -> AccessTokenClaims {
    let now = Int(Date().timeIntervalSince1970)
    var claims = AccessTokenClaims(
      iss: issuer, sub: sub, aud: service.slug, exp: now + service.accessTokenTTL, iat: now, nbf: now,
      jti: SecureRandom.uuid().uuidString.lowercased(), sid: sid, clientID: service.clientID, scope: scope, roles: roles, tv: tv)
    claims.plan = service.plan.rawValue
    return claims
  }
}

/// What an access token says about how the session signed in: with a password or a social
/// provider (`method`), whether the user has MFA on, and when the session last passed it.
struct SessionMFA: Sendable {
  var enabled: Bool
  var verifiedAt: Date?
  var method = "password"
}

struct IssuedAccessToken: Sendable {
  let token: String
  let jti: String
  let exp: Int
}
