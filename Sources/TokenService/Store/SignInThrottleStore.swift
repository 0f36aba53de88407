import Foundation
import Logging
import PostgresNIO
import Shared

/// The SQL of `SignInThrottle`: claiming an attempt before its password is compared, and
/// settling it as a failure (counted, with its audit row), a success (the address's failures
/// cleared, refused while locked) or neither.
struct SignInThrottleStore: Sendable {
  let postgres: Database
  let logger: Logger

  enum Claim: Sendable {
    /// Go on, after pausing this long.
    case granted(pause: Duration)
    /// Locked (until then), or too many attempts of this address in flight (nil).
    case refused(until: Date?)
  }

  /// One statement: claims a place for this attempt when the address is neither locked nor
  /// already at the limit with failures and attempts in flight, and reads the identifier's
  /// failures across addresses.
  func claim(_ subject: SignInThrottle.Subject) async throws -> Claim {
    let pair = ByteBuffer(bytes: subject.pairKey)
    let identifier = ByteBuffer(bytes: subject.identifierKey)
    let lockOut = SignInThrottle.lockOut
    let claimAlive = "pending_since >= now() - interval '\(SignInThrottle.claimLifetimeSeconds) seconds'"
    let inWindow = "first_failed_at >= now() - interval '\(lockOut.windowMinutes) minutes'"
    let rows = try await postgres.query(
      """
      WITH claimed AS (
          INSERT INTO token.sign_in_throttles AS t (key, user_id, pending, pending_since)
          VALUES (\(pair), \(subject.userID), 1, now())
          ON CONFLICT (key) DO UPDATE SET
              pending = CASE WHEN t.\(unescaped: claimAlive) THEN t.pending + 1 ELSE 1 END,
              pending_since = now(), updated_at = now()
          WHERE (t.locked_until IS NULL OR t.locked_until <= now())
            AND (CASE WHEN t.\(unescaped: inWindow) THEN t.failures ELSE 0 END)
              + (CASE WHEN t.\(unescaped: claimAlive) THEN t.pending ELSE 0 END) < \(lockOut.limit)
          RETURNING 1
      )
      SELECT EXISTS (SELECT 1 FROM claimed),
             (SELECT \(unescaped: lockOut.activeLock) FROM token.sign_in_throttles WHERE key = \(pair)),
             (SELECT CASE WHEN \(unescaped: inWindow) THEN failures ELSE 0 END FROM token.sign_in_throttles WHERE key = \(identifier))
      """, logger: logger)
    for try await (granted, lockedUntil, failures) in rows.decode((Bool, Date?, Int?).self) {
      return granted ? .granted(pause: SignInThrottle.slowdown(afterFailures: failures ?? 0)) : .refused(until: lockedUntil)
    }
    return .refused(until: nil)
  }

  /// Claims a place (see `claim`) and returns the pause the slowdown asks for, or throws 423
  /// (then nothing was claimed).
  func admit(_ subject: SignInThrottle.Subject) async throws -> Duration {
    switch try await claim(subject) {
    case .refused(let until): throw SignInThrottle.locked(until: until)
    case .granted(let pause): return pause
    }
  }

  /// `release` in a task of its own: an attempt ended by cancellation (its RPC deadline) still
  /// gives its claim back, which a cancelled task's own query would not.
  func releaseDetached(_ subject: SignInThrottle.Subject) {
    Task { try? await release(subject) }
  }

  /// A wrong password: counted for the address (locking it at the limit) and for the identifier,
  /// the claim released and `USER_LOGIN_FAILED` written, in one transaction, with how long the
  /// account-wide slowdown held the attempt (`slowed_ms`: many addresses are guessing at it).
  /// Returns the lock's end when this failure locked the address or it already was.
  func failed(
    _ subject: SignInThrottle.Subject, serviceID: UUID?, client: ClientInfo, requestID: String?, slowed: Duration
  ) async throws -> Date? {
    let pair = ByteBuffer(bytes: subject.pairKey)
    let identifier = ByteBuffer(bytes: subject.identifierKey)
    let lockOut = SignInThrottle.lockOut
    return try await postgres.transaction(logger: logger) { connection in
      var failures = 0
      var lockedUntil: Date?
      for try await (count, until) in try await connection.query(
        """
        UPDATE token.sign_in_throttles SET \(unescaped: lockOut.countFailure),
               pending = greatest(pending - 1, 0), updated_at = now()
        WHERE key = \(pair)
        RETURNING failures, \(unescaped: lockOut.activeLock)
        """, logger: logger
      ).decode((Int, Date?).self) {
        failures = count
        lockedUntil = until
      }
      let runIsOld = "t.first_failed_at IS NULL OR t.first_failed_at < now() - interval '\(lockOut.windowMinutes) minutes'"
      _ = try await connection.query(
        """
        INSERT INTO token.sign_in_throttles AS t (key, user_id, failures, first_failed_at)
            VALUES (\(identifier), \(subject.userID), 1, now())
        ON CONFLICT (key) DO UPDATE SET
            failures = CASE WHEN \(unescaped: runIsOld) THEN 1 ELSE t.failures + 1 END,
            first_failed_at = CASE WHEN \(unescaped: runIsOld) THEN now() ELSE t.first_failed_at END,
            updated_at = now()
        """, logger: logger
      ).collect()
      try await AuditEvent(
        action: "USER_LOGIN_FAILED", actorUserID: subject.userID, serviceID: serviceID, requestID: requestID,
        client: client,
        details: [
          "ip": client.ip ?? "", "failures": String(failures), "locked": lockedUntil == nil ? "no" : "yes",
          "account": subject.userID == nil ? "unknown" : "known",
          "slowed_ms": String(slowed.milliseconds),
        ]
      ).insert(on: connection, logger: logger)
      SecurityCounters.signIn(outcome: "failure", method: "password")
      if lockedUntil != nil, failures == lockOut.limit { SecurityCounters.lockout("password") }
      return lockedUntil
    }
  }

  /// The right password, inside the transaction that opens the session: refused (423) while
  /// the address is locked, which a concurrent failure may have done since the claim; else the
  /// address's and the identifier's failures are cleared and the claim released.
  func succeeded(_ subject: SignInThrottle.Subject, on connection: PostgresConnection) async throws {
    let pair = ByteBuffer(bytes: subject.pairKey)
    let identifier = ByteBuffer(bytes: subject.identifierKey)
    for try await until in try await connection.query(
      """
      SELECT \(unescaped: SignInThrottle.lockOut.activeLock) FROM token.sign_in_throttles WHERE key = \(pair) FOR UPDATE
      """, logger: logger
    ).decode(Date?.self) {
      if let until { throw SignInThrottle.locked(until: until) }
    }
    _ = try await connection.query(
      """
      UPDATE token.sign_in_throttles
      SET failures = 0, first_failed_at = NULL,
          pending = CASE WHEN key = \(pair) THEN greatest(pending - 1, 0) ELSE pending END, updated_at = now()
      WHERE key IN (\(pair), \(identifier))
      """, logger: logger
    ).collect()
  }

  /// The same in a transaction of its own (the password was right but no session opens yet:
  /// the second factor comes next).
  func succeeded(_ subject: SignInThrottle.Subject) async throws {
    try await postgres.transaction(logger: logger) { connection in try await succeeded(subject, on: connection) }
  }

  /// Neither outcome (the attempt ended for another reason): the claim is given back.
  func release(_ subject: SignInThrottle.Subject) async throws {
    _ = try await postgres.query(
      """
      UPDATE token.sign_in_throttles SET pending = greatest(pending - 1, 0), updated_at = now()
          WHERE key = \(ByteBuffer(bytes: subject.pairKey))
      """, logger: logger
    ).collect()
  }
}
