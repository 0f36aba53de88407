import NIOPosix

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#else
  import Darwin
#endif

/// Every address a host name resolves to (`getaddrinfo`, run on NIO's blocking-I/O pool, never
/// on a thread of the cooperative pool). `OutboundTarget` checks them all and connects to one of
/// them, so what the name resolves to later (DNS rebinding) does not matter.
public struct HostResolver: Sendable {
  public struct Failure: Error, Sendable {}

  private let lookup: @Sendable (String) async throws -> [IPAddress]

  public init(_ lookup: @escaping @Sendable (String) async throws -> [IPAddress]) {
    self.lookup = lookup
  }

  public func addresses(of host: String) async throws -> [IPAddress] {
    try await lookup(host)
  }

  /// `getaddrinfo` on threads of its own: a name whose DNS never answers blocks a thread for
  /// the resolver's whole timeout, and on NIO's shared blocking pool that would hold up bcrypt
  /// (sign-ins, PIN checks) behind someone's bad callback host.
  public static let system = HostResolver { host in
    try await lookupPool.runIfActive { try getAddresses(host) }
  }

  private static let lookupPool: NIOThreadPool = {
    let pool = NIOThreadPool(numberOfThreads: 4)
    pool.start()
    return pool
  }()

  /// `resolver`'s answers kept for `lifetime` (a checked answer is as safe a minute later; a
  /// short lifetime only limits how long a changed DNS record goes unseen). Failures are kept
  /// as long, so a name that does not resolve costs one lookup per `lifetime`, not one per send.
  public static func caching(_ resolver: HostResolver, for lifetime: Duration) -> HostResolver {
    let cache = ShortLivedCache<String, [IPAddress]>(lifetime: lifetime, bound: 1_024)
    return HostResolver { host in
      let addresses = await cache.value(for: host, load: { (try? await resolver.addresses(of: host)) ?? [] })
      guard let addresses, !addresses.isEmpty else { throw Failure() }
      return addresses
    }
  }

  private static func getAddresses(_ host: String) throws -> [IPAddress] {
    var hints = addrinfo()
    hints.ai_family = AF_UNSPEC
    #if canImport(Darwin)
      hints.ai_socktype = SOCK_STREAM
    #else
      hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    #endif
    var list: UnsafeMutablePointer<addrinfo>?
    guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { throw Failure() }
    defer { freeaddrinfo(first) }
    var addresses: [IPAddress] = []
    var next: UnsafeMutablePointer<addrinfo>? = first
    while let entry = next {
      if let socket = entry.pointee.ai_addr, let address = IPAddress(socketAddress: socket),
        !addresses.contains(address)
      {
        addresses.append(address)
      }
      next = entry.pointee.ai_next
    }
    guard !addresses.isEmpty else { throw Failure() }
    return addresses
  }
}
