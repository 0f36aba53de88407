/// When a failed job runs again: exponential back-off with jitter, then the dead-letter stream.
public struct RetryPolicy: Sendable {
  public var maxAttempts: Int
  public var baseDelay: Duration
  public var maxDelay: Duration

  public init(maxAttempts: Int = 10, baseDelay: Duration = .seconds(1), maxDelay: Duration = .seconds(3600)) {
    self.maxAttempts = maxAttempts
    self.baseDelay = baseDelay
    self.maxDelay = maxDelay
  }

  /// The wait before attempt `attempt + 1`: base·2^(attempt−1), capped, then scaled by a random
  /// factor in [0.5, 1] so that jobs failing together do not retry together.
  public func delay(afterAttempt attempt: Int) -> Duration {
    let exponent = min(max(attempt - 1, 0), 30)
    let raw = baseDelay * (1 << exponent)
    let capped = raw > maxDelay ? maxDelay : raw
    return capped * Double.random(in: 0.5...1.0)
  }
}
