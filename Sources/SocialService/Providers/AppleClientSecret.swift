import Foundation
import JWTKit
import Shared

/// Sign in with Apple's client secret: not a fixed string but an ES256 JWT the client signs
/// with its private key (header `kid` = key id; `iss` = team id, `sub` = client id, `aud` =
/// Apple's issuer, a short `exp`). Made fresh for every token request.
struct AppleClientSecret: Sendable {
  let teamID: String
  let keyID: String
  let audience: String
  private let key: ES256PrivateKey

  init(teamID: String, keyID: String, privateKeyPEM: String, audience: String, setting: String) throws(ConfigurationError) {
    self.teamID = teamID
    self.keyID = keyID
    self.audience = audience
    do { key = try ES256PrivateKey(pem: privateKeyPEM) } catch {
      throw ConfigurationError(name: setting, problem: "not a P-256 private key in PEM form")
    }
  }

  func make(clientID: String, now: Date = Date()) async throws -> String {
    let keys = JWTKeyCollection()
    await keys.add(ecdsa: key, kid: JWKIdentifier(string: keyID))
    let claims = Claims(
      iss: IssuerClaim(value: teamID), sub: SubjectClaim(value: clientID), aud: AudienceClaim(value: audience),
      iat: IssuedAtClaim(value: now), exp: ExpirationClaim(value: now.addingTimeInterval(300)))
    return try await keys.sign(claims, kid: JWKIdentifier(string: keyID))
  }

  struct Claims: JWTPayload {
    let iss: IssuerClaim
    let sub: SubjectClaim
    let aud: AudienceClaim
    let iat: IssuedAtClaim
    let exp: ExpirationClaim

    func verify(using algorithm: some JWTAlgorithm) throws {}
  }
}
