import Crypto
import Foundation
import JWTKit
import Shared

/// An ID token's claims (OIDC Core 1.0 sections 2 and 3.1.3.6), signed ES256 with the access
/// tokens' key. Profile and e-mail claims join by scope, as userinfo gives them.
struct IDTokenClaims: Codable, Sendable {
  var iss: String
  var sub: String
  var aud: String
  var exp: Int
  var iat: Int
  var authTime: Int
  var nonce: String?
  var acr: String
  var amr: [String]
  var azp: String
  var atHash: String?
  /// The browser session: RP-initiated logout matches `id_token_hint` against it.
  var sid: String
  var name: String?
  var preferredUsername: String?
  var email: String?
  var emailVerified: Bool?

  enum CodingKeys: String, CodingKey {
    case iss, sub, aud, exp, iat, nonce, acr, amr, azp, sid, name, email
    case authTime = "auth_time"
    case atHash = "at_hash"
    case preferredUsername = "preferred_username"
    case emailVerified = "email_verified"
  }

  /// `acr` values: a password (or a provider) alone, or with a second factor.
  static let acrSingleFactor = "urn:gatehouse:acr:1fa"
  static let acrMultiFactor = "urn:gatehouse:acr:mfa"

  /// OIDC Core 1.0 section 3.1.3.6: the left half of the SHA-256 of the access token, base64url.
  static func accessTokenHash(_ accessToken: String) -> String {
    Base64URL.encode(Array(SHA256.hash(data: Array(accessToken.utf8)).prefix(16)))
  }
}

/// The claims as jwt-kit's payload; times are the reader's to judge.
struct IDTokenPayload: JWTPayload {
  var claims: IDTokenClaims

  init(claims: IDTokenClaims) { self.claims = claims }
  init(from decoder: any Decoder) throws { claims = try IDTokenClaims(from: decoder) }
  func encode(to encoder: any Encoder) throws { try claims.encode(to: encoder) }
  func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// `sub` as a service sees it (OIDC Core 1.0 section 8): the user's id, or with pairwise
/// subjects the base64url SHA-256 of the service's salt and the user's id, so two services
/// cannot match their users by it.
enum SubjectIdentifier {
  static func of(userID: UUID, for service: ServiceRecord) -> String {
    let id = userID.uuidString.lowercased()
    guard service.pairwiseSubjects else { return id }
    return Base64URL.encode(Array(SHA256.hash(data: service.subjectSalt + Array(id.utf8))))
  }
}

/// What the scopes let a client read of the person, in ID tokens and userinfo alike.
enum ScopedClaims {
  static func userInfo(_ account: LoginStore.Account, scopes: [String], service: ServiceRecord) -> UserInfoClaims {
    var claims = UserInfoClaims(sub: SubjectIdentifier.of(userID: account.id, for: service))
    if scopes.contains("profile") {
      claims.name = account.fullName.isEmpty ? nil : account.fullName
      claims.preferredUsername = account.username
    }
    if scopes.contains("email") {
      claims.email = account.email
      // Gatehouse does not verify addresses yet (the account-recovery issue): never claim it did.
      claims.emailVerified = false
    }
    return claims
  }
}
