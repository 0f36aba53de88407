/// "`limit` failures within `windowMinutes` lock for `lockMinutes`", as SQL over three columns
/// of a row: the failure count, when the current run of failures began, and the lock's end.
/// One UPDATE counts a failure, so concurrent failures all count. Used for passwords, TOTP codes
/// and IdP PINs.
public struct FailureLockOut: Sendable {
  public let limit: Int
  public let windowMinutes: Int
  public let lockMinutes: Int
  public let failures: String
  public let firstFailedAt: String
  public let lockedUntil: String

  public init(limit: Int, windowMinutes: Int, lockMinutes: Int, failures: String, firstFailedAt: String, lockedUntil: String) {
    self.limit = limit
    self.windowMinutes = windowMinutes
    self.lockMinutes = lockMinutes
    self.failures = failures
    self.firstFailedAt = firstFailedAt
    self.lockedUntil = lockedUntil
  }

  /// The SET list that counts one more failure (a run older than the window starts again at 1).
  public var countFailure: String {
    let runIsOld = "\(firstFailedAt) IS NULL OR \(firstFailedAt) < now() - interval '\(windowMinutes) minutes'"
    return """
      \(failures) = CASE WHEN \(runIsOld) THEN 1 ELSE \(failures) + 1 END,
      \(firstFailedAt) = CASE WHEN \(runIsOld) THEN now() ELSE \(firstFailedAt) END,
      \(lockedUntil) = CASE WHEN \(firstFailedAt) >= now() - interval '\(windowMinutes) minutes' AND \(failures) + 1 >= \(limit)
                            THEN now() + interval '\(lockMinutes) minutes' ELSE \(lockedUntil) END
      """
  }

  /// The lock's end while it lasts, else NULL (for a RETURNING list).
  public var activeLock: String { "CASE WHEN \(lockedUntil) > now() THEN \(lockedUntil) END" }
}
