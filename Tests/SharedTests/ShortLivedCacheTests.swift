import Synchronization
import Testing

@testable import Shared

/// The cache behind docs/idp.md's "every other instance sees a rotated secret or a deactivation
/// within 1 s": on a clock the test steps, a value is served for exactly its lifetime from the
/// start of its load, then read again; a nil load is never kept; `forgetAll` forgets at once.
/// The cluster test (`IdPTests.aRotatedSecretAndADeactivationReachEveryInstanceWithinTheCachesSecond`)
/// shows two real instances follow a change within its looser, load-proof bound; this one shows
/// the second itself.
@Suite(.timeLimit(.minutes(1))) struct ShortLivedCacheTests {
  final class SteppedClock: Sendable {
    let start = ContinuousClock.now
    let offset = Mutex<Duration>(.zero)
    func now() -> ContinuousClock.Instant { start + offset.withLock { $0 } }
    func advance(_ by: Duration) { offset.withLock { $0 += by } }
  }

  @Test func aValueIsServedForItsLifetimeAndThenReadAgain() async {
    let clock = SteppedClock()
    let cache = ShortLivedCache<String, Int>(lifetime: .seconds(1), clock: { clock.now() })
    let loads = Mutex(0)
    func read(_ value: Int?) async -> Int? {
      await cache.value(for: "sp") {
        loads.withLock { $0 += 1 }
        return value
      }
    }
    #expect(await read(1) == 1)
    clock.advance(.milliseconds(999))
    #expect(await read(2) == 1, "a change within the second is not seen yet")
    clock.advance(.milliseconds(1))
    #expect(await read(2) == 2, "at one second the value is read again")
    #expect(loads.withLock { $0 } == 2)
    cache.forgetAll()
    #expect(await read(3) == 3, "a change made here is seen at once")
    clock.advance(.seconds(2))
    #expect(await read(nil) == nil)
    #expect(await read(4) == 4, "a missing value is not kept")
    #expect(loads.withLock { $0 } == 5)
  }
}
