import Crypto
import Foundation
import Shared

/// `grant_type=authorization_code` for the codes of `/oauth/authorize` (docs/oidc.md, "Codes"):
/// single use, 60 seconds, bound to the client, the redirect URI and the PKCE challenge. The
/// exchange opens the app's session (with its audit row) in the transaction that spends the code,
/// and answers an ID token beside the access token; a refresh token with `offline_access` or by
/// the service's setting. A spent code presented again ends that session and revokes its access token.
struct CodeExchange: Sendable {
  let codes: AuthorizationCodeStore
  let logins: LoginStore
  let tokens: TokenIssuer
  let revocations: RevocationPublisher
  let issuer: String

  struct Request: Sendable {
    let code: String
    let redirectURI: String?
    let verifier: String?
    let client: ClientAuthenticator.Client
    let clientInfo: ClientInfo
  }

  func exchange(_ code: String, _ form: OAuthTokenRequest, client: ClientAuthenticator.Client, requestID: String?) async throws
    -> OAuthTokenResponse
  {
    try await exchange(
      Request(code: code, redirectURI: form.redirectURI, verifier: form.codeVerifier, client: client, clientInfo: form.client),
      requestID: requestID)
  }

  func exchange(_ request: Request, requestID: String?) async throws -> OAuthTokenResponse {
    let service = request.client.service
    guard request.client.confidential || service.publicClient else {
      throw OAuthProblems.invalidClient.problem("This client is confidential: authenticate with its secret.")
    }
    try await OAuthTokenEndpoint.inOAuthTerms { try service.requireOpen() }
    let outcome = try await logins.postgres.transaction(logger: logins.logger) { connection -> Issued? in
      guard let grant = try await codes.spend(request.code, on: connection) else { return nil }
      try Self.check(grant, request)
      // Everything on this connection: the code's row lock is held, and concurrent exchanges of
      // the same code each hold a pooled connection waiting for it.
      guard let account = try await logins.account(id: grant.userID, on: connection), account.isActive else {
        throw OAuthProblems.invalidGrant.problem("The account may not sign in.")
      }
      let opened = try await OAuthTokenEndpoint.inOAuthTerms {
        try await logins.open(
          account: account, service: service, clientType: .native, rememberMe: false, secondFactor: nil,
          method: ["pwd": "password", "hwk": "passkey"][grant.amr.first ?? "pwd"] ?? grant.amr.first ?? "password",
          client: request.clientInfo,
          requestID: requestID, browserSessionID: grant.browserSessionID, mfaPassedAt: grant.mfaAt, scopes: grant.scopes,
          on: connection)
      }
      let claims = tokens.userClaims(
        user: account.summary, tokenVersion: account.tokenVersion,
        platformRole: OpenIDGrant.platformRole(account.platformRole, service: service, scopes: grant.scopes), service: service,
        member: opened.member, sessionID: opened.sessionID, mfa: opened.mfa, scope: grant.scopes.joined(separator: " "))
      try await codes.recordIssued(
        request.code, sessionID: opened.sessionID, accessTokenJTI: claims.jti, accessTokenExp: claims.exp, on: connection)
      return Issued(grant: grant, account: account, opened: opened, access: claims)
    }
    guard var outcome else { throw try await replayed(request, requestID: requestID) }
    outcome.token = try await tokens.signer.sign(outcome.access)
    let idToken = try await tokens.signer.sign(idTokenClaims(outcome, service: service))
    let refresh = outcome.grant.scopes.contains("offline_access") || service.refreshWithoutOfflineAccess
    var response = OAuthTokenResponse(
      accessToken: outcome.token, expiresIn: service.accessTokenTTL, refreshToken: refresh ? outcome.opened.refreshToken : nil,
      scope: outcome.access.scope)
    response.idToken = idToken
    return response
  }

  private struct Issued: Sendable {
    let grant: AuthorizationCodeStore.Grant
    let account: LoginStore.Account
    let opened: LoginStore.Opened
    let access: AccessTokenClaims
    /// Signed after the commit.
    var token = ""
  }

  /// RFC 6749 section 4.1.3 and RFC 7636 section 4.6. Any failure rolls the spending back.
  private static func check(_ grant: AuthorizationCodeStore.Grant, _ request: Request) throws(Problem) {
    guard grant.fresh else { throw OAuthProblems.invalidGrant.problem("The code has expired or its sign-in ended.") }
    guard grant.serviceID == request.client.service.id else {
      throw OAuthProblems.invalidGrant.problem("The code was issued to another client.")
    }
    guard request.redirectURI == grant.redirectURI else {
      throw OAuthProblems.invalidGrant.problem("redirect_uri differs from the authorization request's.")
    }
    switch (grant.codeChallenge, request.verifier) {
    case (nil, nil): return
    case (let challenge?, let verifier?):
      guard (43...128).contains(verifier.count), verifier.allSatisfy(Self.verifierCharacter),
        Base64URL.encode(Array(SHA256.hash(data: Array(verifier.utf8)))) == challenge
      else { throw OAuthProblems.invalidGrant.problem("code_verifier does not match the code_challenge.") }
    case (nil, _?): throw OAuthProblems.invalidGrant.problem("This code was issued without a code_challenge.")
    case (_?, nil): throw OAuthProblems.invalidRequest.problem("code_verifier is required.")
    }
  }

  private static func verifierCharacter(_ c: Character) -> Bool {
    c.isASCII && (c.isLetter || c.isNumber || "-._~".contains(c))
  }

  /// Unknown, or spent before: the second presentation revokes what the first issued.
  private func replayed(_ request: Request, requestID: String?) async throws -> Problem {
    switch try await codes.revokeReplayed(request.code, client: request.clientInfo, requestID: requestID) {
    case .none:
      return OAuthProblems.invalidGrant.problem("The code is unknown.")
    case .some(let revoked):
      if let revoked { try await revocations.revoke(jti: revoked.jti, expiresAt: revoked.exp) }
      return OAuthProblems.invalidGrant.problem("The code was used before; the tokens it gave are revoked.")
    }
  }

  private func idTokenClaims(_ issued: Issued, service: ServiceRecord) -> IDTokenClaims {
    let now = Int(Date().timeIntervalSince1970)
    let scoped = ScopedClaims.userInfo(issued.account, scopes: issued.grant.scopes, service: service)
    return IDTokenClaims(
      iss: issuer, sub: scoped.sub, aud: service.clientID, exp: now + service.accessTokenTTL, iat: now,
      authTime: Int(issued.grant.authTime.timeIntervalSince1970), nonce: issued.grant.nonce,
      acr: issued.grant.mfaAt == nil ? IDTokenClaims.acrSingleFactor : IDTokenClaims.acrMultiFactor, amr: issued.grant.amr,
      azp: service.clientID, atHash: IDTokenClaims.accessTokenHash(issued.token),
      sid: issued.grant.browserSessionID.uuidString.lowercased(), name: scoped.name, preferredUsername: scoped.preferredUsername,
      email: scoped.email, emailVerified: scoped.emailVerified)
  }
}

/// What a token given to an OpenID client may carry.
enum OpenIDGrant {
  /// A third-party client's token never carries the person's platform role: Gatehouse's admin
  /// routes read it, and the person consented to the client's scopes, not to administration.
  static func platformRole(_ role: String, service: ServiceRecord, scopes: [String]?) -> String {
    scopes != nil && !service.firstParty ? PlatformRole.user.rawValue : role
  }
}
