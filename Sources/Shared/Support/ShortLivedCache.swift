import Synchronization

/// Answers a hot read (an SP's credentials, its callback target, a checked host's addresses) from memory for `lifetime`,
/// so that a verification does not pay a database round trip for what changes a few times a
/// year. A change made elsewhere is seen within `lifetime` (docs/idp.md); what must be exact,
/// the transaction itself, is never cached.
public final class ShortLivedCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
  private let entries = Mutex<[Key: (value: Value, until: ContinuousClock.Instant)]>([:])
  private let lifetime: Duration
  private let bound: Int
  private let clock: @Sendable () -> ContinuousClock.Instant

  /// `clock` is for tests that step time themselves.
  public init(lifetime: Duration, bound: Int = 10_000, clock: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
    self.lifetime = lifetime
    self.bound = bound
    self.clock = clock
  }

  /// The cached value, or `load`'s (which is kept for next time unless it is nil). A value is
  /// never served later than `lifetime` after its load began, so a change committed before
  /// that load is seen by then.
  public func value(for key: Key, load: () async throws -> Value?) async rethrows -> Value? {
    let now = clock()
    if let hit = entries.withLock({ $0[key] }), hit.until > now { return hit.value }
    guard let loaded = try await load() else { return nil }
    entries.withLock { entries in
      if entries.count >= bound { entries = entries.filter { $0.value.until > now } }
      if entries.count < bound { entries[key] = (loaded, now + lifetime) }
    }
    return loaded
  }

  /// After a change made here: this instance sees it at once.
  public func forgetAll() {
    entries.withLock { $0.removeAll() }
  }
}
