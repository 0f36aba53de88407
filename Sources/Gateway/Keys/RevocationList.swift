import Foundation
import Logging
import Shared

/// What the gateway must refuse although the signature is good: revoked jtis (logout) and tokens
/// below a subject's version (logout-all and the like for users, secret rotation for a service's
/// own tokens). Fed by `gh:ev:revoked` at once; loaded from token-service's durable record
/// (PostgreSQL, `TokenRPC.revocations`) at start, whenever the Redis connection comes back (events
/// published meanwhile are lost), and every 30 s. Redis holds none of it, so a flushed or
/// restarted Redis forgets no revocation. Until the first load succeeds nothing verifies
/// (`isLoaded`): a gateway that cannot know what was revoked must not accept tokens.
actor RevocationList {
  private let rpc: RPCClient
  private var jtis: [String: Int] = [:]  // jti → when it stops mattering (unix seconds)
  private var versions: [String: (version: Int, until: Int)] = [:]  // sub → lowest valid token version
  private(set) var isLoaded = false
  /// Set when the Redis connection came back: the next tick reloads.
  private var stale = false
  private var watchers: [UUID: AsyncStream<Void>.Continuation] = [:]
  private var loading: Task<Void, any Error>?
  private var lastLoad: ContinuousClock.Instant?

  init(rpc: RPCClient) { self.rpc = rpc }

  func isRevoked(_ claims: AccessTokenClaims) -> Bool {
    if jtis[claims.jti] != nil { return true }
    if let minimum = versions[claims.sub], claims.tv < minimum.version { return true }
    return false
  }

  func apply(_ revocation: Revocation) {
    let now = Int(Date().timeIntervalSince1970)
    let until = revocation.expiresAt ?? now + RevocationKeys.longestTokenLife
    if let jti = revocation.jti { jtis[jti] = max(jtis[jti] ?? 0, until) }
    if let subject = revocation.userID, let version = revocation.tokenVersion {
      if let known = versions[subject], known.version >= version { return }
      versions[subject] = (version, until)
    }
  }

  /// Loads the list if no load has succeeded yet (one load at a time, however many ask); true
  /// once it is loaded. A request that finds it missing waits for this rather than being refused.
  func ensureLoaded() async -> Bool {
    if !isLoaded { try? await reload() }
    return isLoaded
  }

  /// Merges in token-service's record (everything still relevant) and forgets what no longer
  /// matters. Then tells the watchers, which re-check the tokens they hold.
  func reload() async throws {
    if let loading { return try await loading.value }
    let rpc = self.rpc
    let task = Task {
      try await self.merge(
        rpc.call(
          TokenRPC.revocations, NoRequest(), context: RPCCallContext(requestID: nil),
          timeout: .seconds(5)))
    }
    loading = task
    stale = false
    defer { loading = nil }
    do {
      try await task.value
    } catch {
      stale = true
      throw error
    }
  }

  private func merge(_ loaded: RevocationSet) {
    let now = Int(Date().timeIntervalSince1970)
    // An event's jti expiry is the token's exp, and verifiers allow 30 s past it.
    jtis = jtis.filter { $0.value >= now - 60 }
    versions = versions.filter { $0.value.until >= now }
    for revocation in loaded.revocations { apply(revocation) }
    isLoaded = true
    lastLoad = .now
    notifyWatchers()
  }

  private func markStale() { stale = true }

  private var reloadDue: Bool {
    guard isLoaded, !stale, let lastLoad else { return true }
    return ContinuousClock.now - lastLoad >= .seconds(30)
  }

  /// A signal after every change, for holders of long-lived connections (the SSE inbox) that
  /// must end them when their token is revoked.
  func changes() -> AsyncStream<Void> {
    let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    let id = UUID()
    watchers[id] = continuation
    continuation.onTermination = { _ in Task { await self.forget(id) } }
    return stream
  }

  private func forget(_ id: UUID) { watchers[id] = nil }

  private func notifyWatchers() {
    for watcher in watchers.values { watcher.yield() }
  }

  /// Applies events as they come, and reloads until cancelled: every second until a load
  /// succeeds or after Redis reconnected, otherwise every 30 s.
  func follow(_ events: AsyncStream<Revocation>, subscriber: RedisSubscriber, logger: Logger) async {
    subscriber.onConnected { Task { await self.markStale() } }
    await withDiscardingTaskGroup { group in
      group.addTask {
        for await revocation in events {
          await self.apply(revocation)
          await self.notifyWatchers()
        }
      }
      group.addTask {
        while !Task.isCancelled {
          if await self.reloadDue {
            do {
              try await self.reload()
            } catch {
              logger.debug("revocation reload failed", metadata: ["error": "\(error)"])
            }
          }
          await pause(for: .seconds(1))
        }
      }
    }
  }
}
