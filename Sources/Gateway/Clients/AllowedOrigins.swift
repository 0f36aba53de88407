import Logging
import Shared

/// The origins browsers may call from with credentials: every open service's `allowed_origins`,
/// fetched from token-service, kept for `lifetime`, and reloaded at once when `gh:ev:config`
/// says a service changed. If token-service cannot be reached the last list stays in force.
actor AllowedOrigins {
  private let rpc: RPCClient
  private let lifetime: Duration
  private var cached: (origins: Set<String>, fetched: ContinuousClock.Instant)?
  private var loading: Task<Set<String>, Never>?

  init(rpc: RPCClient, lifetime: Duration = .seconds(30)) {
    self.rpc = rpc
    self.lifetime = lifetime
  }

  func allows(_ origin: String) async -> Bool {
    if let cached, ContinuousClock.now - cached.fetched < lifetime { return cached.origins.contains(origin.lowercased()) }
    return await load().contains(origin.lowercased())
  }

  /// One fetch at a time, however many requests are waiting for it.
  private func load() async -> Set<String> {
    if let loading { return await loading.value }
    let rpc = self.rpc
    let previous = cached?.origins ?? []
    let task = Task { () -> Set<String> in
      let context = RPCCallContext(requestID: nil)
      guard let list = try? await rpc.call(TokenRPC.allowedOrigins, NoRequest(), context: context, timeout: .seconds(2)) else {
        return previous
      }
      return Set(list.origins)
    }
    loading = task
    let origins = await task.value
    cached = (origins, .now)
    loading = nil
    return origins
  }

  func invalidate() {
    if let cached { self.cached = (cached.origins, .now - lifetime) }
  }

  /// Reloads whenever a service's settings change, for as long as the stream lasts.
  func follow(_ events: AsyncStream<ConfigChanged>) async {
    for await _ in events {
      invalidate()
      _ = await load()
    }
  }
}
