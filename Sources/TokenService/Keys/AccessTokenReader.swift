import Foundation
import JWTKit
import Shared

/// Reads back tokens this issuer signed (access tokens for introspection and revocation, ID
/// tokens for logout): the signature
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
    await read(token, as: AccessTokenPayload.self).flatMap { $0.claims.iss == issuer ? $0.claims : nil }
  }

  /// An ID token we signed (RP-initiated logout's `id_token_hint`), expired or not.
  func idTokenClaims(of token: String) async -> IDTokenClaims? {
    await read(token, as: IDTokenPayload.self).flatMap { $0.claims.iss == issuer ? $0.claims : nil }
  }

  private func read<Payload: JWTPayload>(_ token: String, as type: Payload.Type) async -> Payload? {
    guard token.split(separator: ".").count == 3, let keys = try? await keys(reload: false) else { return nil }
    if let payload = try? await keys.verify(token, as: Payload.self) { return payload }
    // Perhaps signed with a key newer than our copy.
    guard let fresh = try? await self.keys(reload: true) else { return nil }
    return try? await fresh.verify(token, as: Payload.self)
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
