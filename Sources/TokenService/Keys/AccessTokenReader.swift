import Foundation
import JWTKit
import Shared

/// Reads back access tokens this issuer signed, for introspection and revocation: the signature
/// must verify against a published key (so `alg: none` and forged tokens read as nothing) and
/// `iss` must be ours. Times and revocation are the caller's to judge.
actor AccessTokenReader {
  private let store: SigningKeyStore
  private let issuer: String
  private var loaded: (set: JWKSet, keys: JWTKeyCollection, at: ContinuousClock.Instant)?

  init(store: SigningKeyStore, issuer: String) {
    self.store = store
    self.issuer = issuer
  }

  /// The claims, or nil when this is not a token we signed.
  func claims(of token: String) async -> AccessTokenClaims? {
    guard token.split(separator: ".").count == 3, let keys = try? await keys(reload: false) else { return nil }
    if let payload = try? await keys.verify(token, as: AccessTokenPayload.self) {
      return payload.claims.iss == issuer ? payload.claims : nil
    }
    // Perhaps signed with a key newer than our copy.
    guard let fresh = try? await self.keys(reload: true),
      let payload = try? await fresh.verify(token, as: AccessTokenPayload.self)
    else { return nil }
    return payload.claims.iss == issuer ? payload.claims : nil
  }

  private func keys(reload: Bool) async throws -> JWTKeyCollection {
    if let loaded, !reload || ContinuousClock.now - loaded.at < .seconds(5), ContinuousClock.now - loaded.at < .seconds(60) {
      return loaded.keys
    }
    let set = try await store.published()
    if let loaded, loaded.set == set {
      self.loaded = (set, loaded.keys, .now)
      return loaded.keys
    }
    let keys = JWTKeyCollection()
    for key in set.keys where key.alg == "ES256" {
      await keys.add(ecdsa: try ES256PublicKey(parameters: (x: key.x, y: key.y)), kid: JWKIdentifier(string: key.kid))
    }
    loaded = (set, keys, .now)
    return keys
  }
}
