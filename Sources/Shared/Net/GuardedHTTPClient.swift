import AsyncHTTPClient
import NIOCore
import Synchronization

/// HTTP to URLs that someone other than the operator set (SP callbacks). Every request is
/// checked before it is sent: its host resolved, every address checked against the policy, and
/// the request sent to the checked address, not to whatever the name resolves to when the client
/// connects (DNS rebinding). Redirects are never followed.
///
/// AsyncHTTPClient pins a name to an address only per client (`dnsOverride`, which keeps the TLS
/// server name and the Host header), so requests to a name go through a client made for that
/// name and address; there are at most `bound` of those, and the least recently used is shut
/// down once requests it may still be serving are over. Hosts written as addresses need no pin
/// and share one client. Connections are pooled per client, so a pooled connection always goes
/// to an address that was checked.
public final class GuardedHTTPClient: Sendable {
  private struct Pin: Hashable {
    let host: String
    let address: IPAddress
  }

  private let policy: OutboundAddressPolicy
  private let resolver: HostResolver
  private let configuration: HTTPClient.Configuration
  private let direct: HTTPClient
  private let pinned = Mutex<[Pin: (client: HTTPClient, used: ContinuousClock.Instant)]>([:])
  private let bound: Int
  private let drainTime: Duration

  /// `longestRequest`: no request through this client takes longer (an evicted client is shut
  /// down after twice that). Resolutions are kept for 5 s (each is checked when made).
  public init(
    policy: OutboundAddressPolicy, resolver: HostResolver = .caching(.system, for: .seconds(5)),
    bound: Int = 64,
    longestRequest: Duration
  ) {
    var configuration = HTTPClient.Configuration()
    configuration.redirectConfiguration = .disallow
    // No tracer is installed; without this the client still opens a no-op span and computes
    // its attributes for every request (~2% of idp-service under load).
    configuration.tracing.tracer = nil
    self.policy = policy
    self.resolver = resolver
    self.configuration = configuration
    self.bound = bound
    drainTime = longestRequest * 2 + .seconds(1)
    direct = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
  }

  /// The request, sent to a checked address of its URL's host; `OutboundRefusal` when the URL
  /// does not pass the policy.
  public func execute(_ request: HTTPClientRequest, timeout: TimeAmount) async throws
    -> HTTPClientResponse
  {
    let target = try await policy.check(request.url, resolver: resolver)
    return try await client(for: target).execute(request, timeout: timeout)
  }

  private func client(for target: OutboundTarget) -> HTTPClient {
    if target.isLiteral { return direct }
    let pin = Pin(host: target.host, address: target.address)
    let now = ContinuousClock.now
    let (client, evicted) = pinned.withLock { clients -> (HTTPClient, HTTPClient?) in
      if let known = clients[pin] {
        clients[pin] = (known.client, now)
        return (known.client, nil)
      }
      var evicted: HTTPClient?
      if clients.count >= bound, let oldest = clients.min(by: { $0.value.used < $1.value.used }) {
        evicted = oldest.value.client
        clients[oldest.key] = nil
      }
      var configuration = self.configuration
      configuration.dnsOverride = [target.host: target.address.description]
      let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
      clients[pin] = (client, now)
      return (client, evicted)
    }
    if let evicted {
      Task { [drainTime] in
        try? await Task.sleep(for: drainTime)
        try? await evicted.shutdown()
      }
    }
    return client
  }

  /// Shuts every client down (a process's client lives as long as the process; tests end theirs).
  public func shutdown() async throws {
    let clients = pinned.withLock { clients in
      defer { clients.removeAll() }
      return clients.values.map(\.client)
    }
    for client in clients + [direct] { try await client.shutdown() }
  }

  /// How many pinned clients are kept (for tests).
  public var pinnedCount: Int { pinned.withLock { $0.count } }
}
