import Foundation
import Shared

/// Service providers' calls are counted per client id, not per address (docs/limits.md): an SP
/// calls from a few servers, and 100 a minute per address capped each SP far below the IdP's
/// budget. The limit is the SP's own (`idp.service_providers.calls_per_minute`) or the deployment's
/// default; the gateway has no database, so it asks idp-service, which checks the credentials,
/// and keeps the answer for 30 s per client id and secret. Only calls whose credentials idp-service
/// accepted are counted per client id: anyone can send a client id, and a made-up one must not buy
/// a fresh budget, so a call whose credentials are not known here counts against its address.
struct ServiceProviderLimits: Sendable {
  let rpc: RPCClient
  /// By client id and secret, in memory only, as the verified-token cache keeps token texts: a
  /// wrong secret is a miss, never another's hit.
  let known = ShortLivedCache<Key, ServiceProviderCallLimit>(lifetime: .seconds(30))

  struct Key: Hashable, Sendable {
    let clientID: String
    let secret: String?
  }

  /// The authenticated SP's limit, or nil when the credentials authenticate none (or idp-service
  /// cannot say now). `unknown` runs before idp-service is asked, so that asking is limited too.
  func callLimit(
    _ credentials: ClientCredentials, context: RPCCallContext,
    unknown: () async throws -> Void
  ) async throws -> ServiceProviderCallLimit? {
    try await known.value(for: Key(clientID: credentials.clientID, secret: credentials.clientSecret)) {
      try await unknown()
      return try? await rpc.call(IdPRPC.callLimit, credentials, context: context)
    }
  }

  /// The limit to count against: the SP's own, else the default; `off` (nil default) counts none.
  static func limit(_ sp: ServiceProviderCallLimit, default fallback: RateLimit?) -> RateLimit? {
    guard let fallback else { return nil }
    return sp.callsPerMinute.map { RateLimit(name: fallback.name, count: $0, period: .seconds(60)) } ?? fallback
  }
}
