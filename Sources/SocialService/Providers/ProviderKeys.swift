import Foundation
import JWTKit
import Shared

/// What social-service remembers about OIDC providers between sign-ins: their discovery
/// documents and their signing keys (re-read when a token names a key not seen yet, at most
/// once a minute per provider, and every hour anyway).
actor ProviderKeys {
  private var discovery: [String: ProviderClient.Endpoints] = [:]
  private var keySets: [String: (keys: JWTKeyCollection, at: ContinuousClock.Instant)] = [:]

  func discovered(_ issuer: String) -> ProviderClient.Endpoints? { discovery[issuer] }
  func remember(_ issuer: String, _ endpoints: ProviderClient.Endpoints) { discovery[issuer] = endpoints }

  /// The key set at `url`: the one held, unless it is older than an hour, or `stale` says a
  /// token did not verify with it (and it is older than a minute).
  func keys(at url: String, stale: Bool, fetch: @Sendable () async throws -> String) async throws -> JWTKeyCollection {
    if let held = keySets[url] {
      let age = ContinuousClock.now - held.at
      if age < .seconds(3600), !stale || age < .seconds(60) { return held.keys }
    }
    let keys = try await JWTKeyCollection().add(jwksJSON: try await fetch())
    keySets[url] = (keys, .now)
    return keys
  }
}

/// The claims every ID token must carry; the rest are read as JSON for the profile.
struct IDTokenClaims: JWTPayload {
  let iss: IssuerClaim
  let sub: SubjectClaim
  let aud: AudienceClaim
  let exp: ExpirationClaim
  let nonce: String?
  let azp: String?

  func verify(using algorithm: some JWTAlgorithm) throws {
    try exp.verifyNotExpired()
  }
}

extension ProviderClient {
  /// An OIDC ID token checked as OpenID Connect Core 3.1.3.7 asks: signature by a key from
  /// the provider's JWKS, `iss` the provider, `aud` our client, not expired, and the `nonce`
  /// this sign-in sent. Answers its claims.
  func validate(idToken: String, entry: ProviderEntry, endpoints: Endpoints, nonce: String) async throws(Failure) -> JSONValue {
    let denied = { (why: String) in Failure(error: "access_denied", description: "\(entry.name)'s ID token \(why).") }
    guard let jwksURL = endpoints.jwks else { throw Failure(error: "server_error", description: "\(entry.name) publishes no keys.") }
    let fetch: @Sendable () async throws -> String = {
      try await self.json(.GET, jwksURL, provider: entry.name).encoded
    }
    var claims: IDTokenClaims?
    for stale in [false, true] where claims == nil {
      guard let keys = try? await self.keys.keys(at: jwksURL, stale: stale, fetch: fetch) else {
        throw Failure(error: "temporarily_unavailable", description: "\(entry.name)'s keys could not be read.")
      }
      claims = try? await keys.verify(idToken, as: IDTokenClaims.self)
    }
    guard let claims else { throw denied("has a bad signature or has expired") }
    guard claims.iss.value == (endpoints.issuer ?? entry.issuer) else { throw denied("is from another issuer") }
    guard let clientID = entry.clientID, claims.aud.value.contains(clientID) else { throw denied("is for another client") }
    // OIDC Core 3.1.3.7: with other audiences too, the authorized party must be us.
    guard claims.aud.value.count == 1 || claims.azp == clientID else { throw denied("names other audiences without us as its azp") }
    guard claims.nonce == nonce else { throw denied("does not carry this sign-in's nonce") }
    let parts = idToken.split(separator: ".")
    guard parts.count == 3, let payload = Base64URL.decode(String(parts[1])), let json = JSONValue.parse(payload) else {
      throw denied("cannot be read")
    }
    return json
  }
}
