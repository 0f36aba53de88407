import Logging
import Shared

/// The services whose tokens no longer verify: deleted ones (a soft delete keeps their data) and
/// those not active. Loaded from token-service at start and every 30 s, and again at once when
/// `gh:ev:config` says a service changed, so a suspended service's tokens stop within a second.
actor ClosedServices {
  private let rpc: RPCClient
  private var slugs: Set<String> = []

  init(rpc: RPCClient) { self.rpc = rpc }

  func isClosed(_ slug: String) -> Bool { slugs.contains(slug) }

  func reload() async {
    let context = RPCCallContext(requestID: nil)
    if let closed = try? await rpc.call(TokenRPC.closedServices, NoRequest(), context: context, timeout: .seconds(2)) {
      slugs = Set(closed.slugs)
    }
  }

  func follow(_ events: AsyncStream<ConfigChanged>) async {
    await withDiscardingTaskGroup { group in
      group.addTask { for await _ in events { await self.reload() } }
      group.addTask {
        while !Task.isCancelled {
          await self.reload()
          try? await Task.sleep(for: .seconds(30))
        }
      }
    }
  }
}
