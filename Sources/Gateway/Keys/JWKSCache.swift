// Keys/: what the gateway knows about signing keys, for /.well-known and local verification.
import Logging
import Shared

/// The JWK Set, fetched from token-service and kept for `lifetime`. A rotation event drops it at
/// once; if token-service cannot be reached, the last set fetched is served rather than none.
actor JWKSCache {
  private let rpc: RPCClient
  private let lifetime: Duration
  private var cached: (set: JWKSet, fetched: ContinuousClock.Instant)?

  /// `preloaded`: a set to serve for the first `lifetime` without asking (GatewayTests, which run no token-service).
  init(rpc: RPCClient, lifetime: Duration = .seconds(60), preloaded: JWKSet? = nil) {
    self.rpc = rpc
    self.lifetime = lifetime
    self.cached = preloaded.map { ($0, .now) }
  }

  func keys(context: RPCCallContext) async throws -> JWKSet {
    if let cached, ContinuousClock.now - cached.fetched < lifetime { return cached.set }
    do {
      let set = try await rpc.call(TokenRPC.jwks, NoRequest(), context: context)
      // An empty set means keys are being created right now (a new database): ask again next time.
      cached = set.keys.isEmpty ? nil : (set, .now)
      return set
    } catch {
      if let stale = cached?.set { return stale }
      throw error
    }
  }

  func invalidate() {
    cached = nil
  }

  /// Drops the cache whenever a rotation is announced, for as long as the stream lasts.
  func follow(_ events: AsyncStream<KeysChanged>) async {
    for await _ in events { invalidate() }
  }
}
