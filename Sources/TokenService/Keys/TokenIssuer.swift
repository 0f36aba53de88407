import Foundation
import Shared

/// Builds the token response of a sign-in or a refresh: claims per RFC 9068, signed.
struct TokenIssuer: Sendable {
    let signer: AccessTokenSigner
    let issuer: String

    func grant(user: UserSummary, tokenVersion: Int, service: ServiceRecord, role: String, sessionID: UUID,
               refreshToken: String, refreshTTL: Int, clientType: ClientType) async throws -> TokenGrant {
        let now = Int(Date().timeIntervalSince1970)
        let claims = AccessTokenClaims(
            iss: issuer, sub: user.id, aud: service.slug,
            exp: now + service.accessTokenTTL, iat: now, nbf: now, jti: UUID().uuidString.lowercased(),
            sid: sessionID.uuidString.lowercased(), clientID: service.clientID, scope: "openid profile email",
            roles: [role], tv: tokenVersion)
        var summary = service.summary
        summary.role = role
        return TokenGrant(
            accessToken: try await signer.sign(claims), expiresIn: service.accessTokenTTL,
            refreshToken: refreshToken, refreshExpiresIn: refreshTTL, clientType: clientType, user: user, service: summary)
    }
}
