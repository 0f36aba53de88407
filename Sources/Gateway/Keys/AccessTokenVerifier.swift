import Foundation
import JWTKit
import NIOCore
import Shared
import Synchronization

/// Verifies access tokens at the gateway, locally: no RPC on this path once the JWK Set is
/// cached. Checks the signature against the published ES256 keys only (so `alg: none` and an
/// HS256 token "signed" with a public key fail), `exp`/`nbf` with 30 s leeway, `iss`, and the
/// revocation list (revoked jti, token version).
///
/// Not an actor: jwt-kit's key collection is one, so a single collection would check every
/// signature on one thread. The verifier keeps one collection per core and spreads tokens over
/// them, which lets signature checks run in parallel.
final class AccessTokenVerifier: Sendable {
  private let jwks: JWKSCache
  let revocations: RevocationList
  private let closedServices: ClosedServices
  private let issuer: String
  let leeway: Int = 30
  private let keys = Mutex<(set: JWKSet, collections: [JWTKeyCollection])?>(nil)
  private let lastForcedReload = Mutex<ContinuousClock.Instant?>(nil)
  private let next = Atomic<Int>(0)
  private let lanes = max(2, System.coreCount)
  private let verified = VerifiedTokenCache()
  /// Counts a signed-in user's requests (`signedInUser`); nil counts nothing.
  let limits: RateLimits?
  /// Counts refused tokens per client address (`bearer`); nil counts nothing.
  let signals: SecuritySignals?

  init(
    jwks: JWKSCache, revocations: RevocationList, closedServices: ClosedServices, issuer: String, limits: RateLimits? = nil,
    signals: SecuritySignals? = nil
  ) {
    self.jwks = jwks
    self.revocations = revocations
    self.closedServices = closedServices
    self.issuer = issuer
    self.limits = limits
    self.signals = signals
  }

  func verify(_ token: String, context: RPCCallContext) async throws(Problem) -> AccessTokenClaims {
    let claims: AccessTokenClaims
    if let known = verified.claims(for: token) {
      claims = known
    } else {
      claims = try await checkSignature(token, context: context)
      verified.remember(token, claims)
    }
    let now = Int(Date().timeIntervalSince1970)
    guard claims.exp + leeway > now else { throw Refusal.expired.problem }
    guard claims.nbf - leeway <= now else { throw Refusal.notYetValid.problem }
    guard claims.iss == issuer else { throw Refusal.issuer.problem }
    guard await revocations.ensureLoaded() else {
      throw PlatformProblems.revocationsUnavailable.problem(
        "The gateway could not load the list of revoked tokens to check the token; try again shortly.")
    }
    guard await !revocations.isRevoked(claims) else { throw Refusal.revoked.problem }
    guard await !closedServices.isClosed(claims.aud) else { throw Refusal.serviceClosed.problem }
    return claims
  }

  private func checkSignature(_ token: String, context: RPCCallContext) async throws(Problem) -> AccessTokenClaims {
    do {
      return try await keyCollection(context: context).verify(token, as: AccessTokenPayload.self).claims
    } catch let problem as Problem {
      throw problem
    } catch {
      // jwt-kit checks a token whose kid it does not know against the first key it was
      // given, so a key we have not heard of (a rotation event missed: pub/sub is at most
      // once) looked like a bad signature, and good tokens were refused until the JWKS
      // cache expired. A kid missing from our set: reload once (at most every 10 s, so
      // forged kids cannot make us hammer token-service) and try again.
      if let kid = try? DefaultJWTParser().parse(Array(token.utf8), as: AccessTokenPayload.self).header.kid, !knows(kid) {
        guard await reloadIfAllowed(context: context),
          let retried = try? await keyCollection(context: context).verify(token, as: AccessTokenPayload.self)
        else {
          throw Refusal.unknownKey.problem
        }
        return retried.claims
      }
      if let error = error as? JWTError, error.errorType == .signatureVerificationFailed {
        throw Refusal.signature.problem
      }
      throw Refusal.malformed.problem
    }
  }

  /// Whether the key set in use has `kid`.
  private func knows(_ kid: String) -> Bool {
    keys.withLock { $0?.set.keys.contains { $0.kid == kid } } ?? false
  }

  /// The keys to check a signature with. Not having them is the gateway's problem, not the
  /// token's: 503, so that a client retries instead of throwing away a good token.
  private func keyCollection(context: RPCCallContext) async throws -> JWTKeyCollection {
    do {
      return try await collection(context: context)
    } catch {
      throw PlatformProblems.keysUnavailable.problem(
        "The gateway could not load the signing keys to check the token; try again shortly.")
    }
  }

  private func collection(context: RPCCallContext) async throws -> JWTKeyCollection {
    let set = try await jwks.keys(context: context)
    let lane = next.wrappingAdd(1, ordering: .relaxed).oldValue % lanes
    if let current = keys.withLock({ $0 }), current.set == set { return current.collections[lane] }
    verified.removeAll()
    var collections: [JWTKeyCollection] = []
    for _ in 0..<lanes {
      let collection = JWTKeyCollection()
      for key in set.keys where key.alg == "ES256" {
        await collection.add(ecdsa: try ES256PublicKey(parameters: (x: key.x, y: key.y)), kid: JWKIdentifier(string: key.kid))
      }
      collections.append(collection)
    }
    keys.withLock { $0 = (set, collections) }
    return collections[lane]
  }

  private func reloadIfAllowed(context: RPCCallContext) async -> Bool {
    let allowed = lastForcedReload.withLock { last -> Bool in
      if let previous = last, ContinuousClock.now - previous < .seconds(10) { return false }
      last = .now
      return true
    }
    if allowed { await jwks.invalidate() }
    return allowed
  }

  static func invalid(_ detail: String) -> Problem {
    SignInProblems.invalidToken.problem(detail)
  }

  /// Why a token is refused: the `reason` of `gatehouse_tokens_refused_total` and the problem's
  /// words, named once here.
  enum Refusal: String, CaseIterable {
    case expired, revoked, issuer, signature, malformed
    case notYetValid = "not_yet_valid"
    case serviceClosed = "service_closed"
    case unknownKey = "unknown_key"

    var detail: String {
      switch self {
      case .expired: "The token has expired."
      case .notYetValid: "The token is not valid yet."
      case .issuer: "The token was issued by someone else."
      case .revoked: "The token has been revoked."
      case .serviceClosed: "The token's service is closed."
      case .unknownKey: "The token is not signed by a Gatehouse key."
      case .signature: "The token's signature does not verify."
      case .malformed: "The token is malformed."
      }
    }

    var problem: Problem { AccessTokenVerifier.invalid(detail) }

    /// The refusal `problem` says, by its words.
    static func of(_ problem: Problem) -> Refusal? { allCases.first { $0.detail == problem.detail } }
  }
}

/// The claims as jwt-kit's payload; the verifier checks the times itself, with its leeway.
struct AccessTokenPayload: JWTPayload {
  var claims: AccessTokenClaims

  init(from decoder: any Decoder) throws { claims = try AccessTokenClaims(from: decoder) }
  func encode(to encoder: any Encoder) throws { try claims.encode(to: encoder) }
  func verify(using algorithm: some JWTAlgorithm) async throws {}
}
