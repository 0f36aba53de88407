import Shared
import Synchronization

/// Tokens whose signature this gateway has already checked, by their exact text. A client sends
/// the same access token with every request for its lifetime, so the signature check (a quarter
/// of the gateway's CPU under load) runs once per token instead of once per request. Only the
/// signature is remembered: expiry, issuer and revocation are checked on every request. A
/// tampered token is different text, so it misses and is checked in full. Bounded: when full,
/// the oldest entries make room.
final class VerifiedTokenCache: Sendable {
  private struct State {
    var claims: [String: AccessTokenClaims] = [:]
    var order: [String] = []
    var head = 0
  }

  private let capacity: Int
  private let state = Mutex(State())

  init(capacity: Int = 50_000) {
    self.capacity = capacity
  }

  func claims(for token: String) -> AccessTokenClaims? {
    state.withLock { $0.claims[token] }
  }

  func remember(_ token: String, _ claims: AccessTokenClaims) {
    state.withLock { state in
      guard state.claims[token] == nil else { return }
      if state.order.count < capacity {
        state.order.append(token)
      } else {
        state.claims[state.order[state.head]] = nil
        state.order[state.head] = token
        state.head = (state.head + 1) % capacity
      }
      state.claims[token] = claims
    }
  }

  /// After a key set change: a retired key's tokens stay valid, but a removed key's must not.
  func removeAll() {
    state.withLock { $0 = State() }
  }
}
