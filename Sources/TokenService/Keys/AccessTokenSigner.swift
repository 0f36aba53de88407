import Foundation
import JWTKit
import Logging
import Shared

/// Signs access tokens with the current key. The unsealed key is kept for a few seconds, so a
/// burst of sign-ins reads and decrypts it once; after a rotation the old key signs for at most
/// that long, which is harmless because it stays published while its tokens live.
actor AccessTokenSigner {
  private let store: SigningKeyStore
  private let refreshAfter: Duration
  private var loaded: (kid: String, keys: JWTKeyCollection, at: ContinuousClock.Instant)?

  init(store: SigningKeyStore, refreshAfter: Duration = .seconds(5)) {
    self.store = store
    self.refreshAfter = refreshAfter
  }

  func sign(_ claims: AccessTokenClaims) async throws -> String {
    try await sign(AccessTokenPayload(claims: claims), typ: "at+jwt")
  }

  /// An ID token (OIDC Core 1.0 section 2), with the same key.
  func sign(_ claims: IDTokenClaims) async throws -> String {
    try await sign(IDTokenPayload(claims: claims), typ: "JWT")
  }

  private func sign(_ payload: some JWTPayload, typ: String) async throws -> String {
    let (kid, keys) = try await current()
    var header = JWTHeader()
    header.typ = typ
    return try await keys.sign(payload, kid: JWKIdentifier(string: kid), header: header)
  }

  private func current() async throws -> (String, JWTKeyCollection) {
    if let loaded, ContinuousClock.now - loaded.at < refreshAfter { return (loaded.kid, loaded.keys) }
    guard let key = try await store.current() else {
      throw Problem.serviceUnavailable("No signing key exists yet.")
    }
    let keys = JWTKeyCollection()
    await keys.add(ecdsa: try ES256PrivateKey(backing: key.p256), kid: JWKIdentifier(string: key.kid))
    loaded = (key.kid, keys, .now)
    return (key.kid, keys)
  }
}

/// The claims as jwt-kit's payload. Time checks are the verifier's (with its leeway), so this
/// only passes them on.
struct AccessTokenPayload: JWTPayload {
  var claims: AccessTokenClaims

  init(claims: AccessTokenClaims) { self.claims = claims }
  init(from decoder: any Decoder) throws { claims = try AccessTokenClaims(from: decoder) }
  func encode(to encoder: any Encoder) throws { try claims.encode(to: encoder) }
  func verify(using algorithm: some JWTAlgorithm) async throws {}
}
