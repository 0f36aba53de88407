import PostgresNIO
import Shared

/// The SQL that deletes what token-service no longer needs (docs/retention.md): one batch
/// statement per kind of row, run by Shared's `CleanupRunner` in short transactions. Each picks
/// at most `limit` rows `FOR UPDATE SKIP LOCKED`, so a row in use (a session being refreshed, a
/// throttle row being claimed) is left for the next run, and deletes them by key.
struct RetentionStore: Sendable {
  let retention: TokenRetention

  func tasks() -> [CleanupTask] {
    [
      sessions(), refreshTokens(), mfaChallenges(), usedBackupCodes(), totpEnrolments(), signInThrottles(), revocations(),
      authorizationRequests(), authorizationCodes(), browserSessions(), emailTokens(),
    ]
  }

  /// Sessions that ended more than the retention ago, with every refresh token of theirs.
  /// `created_at` (never updated, BRIN-indexed by migration 011) bounds the scan: a session that
  /// ended that long ago began earlier still.
  func sessions() -> CleanupTask {
    let seconds = CleanupTask.cutoff(retention.sessions)
    return CleanupTask(table: "token.sessions", retention: retention.sessions) { limit in
      """
      WITH doomed AS (
          SELECT s.id FROM token.sessions s JOIN token.services sv ON sv.id = s.service_id
          WHERE s.created_at < now() - make_interval(secs => \(seconds))
            AND least(s.expires_at, coalesce(s.revoked_at, 'infinity'),
                      s.last_used_at + make_interval(secs => sv.session_idle_timeout_seconds)) < now() - make_interval(secs => \(seconds))
          LIMIT \(limit) FOR UPDATE OF s SKIP LOCKED
      ), tokens AS (
          DELETE FROM token.refresh_tokens WHERE session_id IN (SELECT id FROM doomed)
      ), gone AS (
          DELETE FROM token.sessions WHERE id IN (SELECT id FROM doomed) RETURNING 1
      )
      SELECT count(*)::int FROM gone
      """
    }
  }

  /// Refresh tokens past their own expiry by more than the retention, spent or not: neither
  /// refreshes nor, once expired, proves a theft worth more than the session's own end.
  func refreshTokens() -> CleanupTask {
    .rows(
      of: "token.refresh_tokens", key: "id", retention: retention.refreshTokens, where: "expires_at < now() - make_interval(secs => $1)")
  }

  func emailTokens() -> CleanupTask {
    .rows(
      of: "token.email_tokens", key: "token_hash", retention: retention.emailTokens, where: "expires_at < now() - make_interval(secs => $1)"
    )
  }

  func mfaChallenges() -> CleanupTask {
    .rows(
      of: "token.mfa_challenges", key: "token_hash", retention: retention.mfaChallenges,
      where: "expires_at < now() - make_interval(secs => $1)")
  }

  /// A used backup code refuses a second use as well by its absence as by `used_at`.
  func usedBackupCodes() -> CleanupTask {
    .rows(
      of: "token.mfa_backup_codes", key: "(user_id, code_hash)", retention: retention.usedBackupCodes,
      where: "used_at < now() - make_interval(secs => $1)")
  }

  /// Enrolments started and never confirmed: a sealed TOTP secret nobody will use.
  func totpEnrolments() -> CleanupTask {
    .rows(
      of: "token.totp_credentials", key: "user_id", retention: retention.totpEnrolments,
      where: "enabled_at IS NULL AND created_at < now() - make_interval(secs => $1)")
  }

  /// Throttle rows that say nothing a missing row would not: no lock, no failure in the window,
  /// no claim still alive. A claim that races the delete waits for it and inserts a fresh row.
  func signInThrottles() -> CleanupTask {
    let window = SignInThrottle.lockOut.windowMinutes
    let claimLife = SignInThrottle.claimLifetimeSeconds
    return .rows(
      of: "token.sign_in_throttles", key: "key", retention: retention.signInThrottles,
      where: """
        updated_at < now() - make_interval(secs => $1)
          AND (locked_until IS NULL OR locked_until <= now())
          AND (first_failed_at IS NULL OR first_failed_at < now() - interval '\(window) minutes')
          AND (pending = 0 OR pending_since IS NULL OR pending_since < now() - interval '\(claimLife) seconds')
        """)
  }

  /// Revocations past their expiry (migration 010): every token they refused has expired too.
  func revocations() -> CleanupTask {
    .rows(of: "token.revocations", key: "id", retention: nil, where: "expires_at < now()")
  }

  /// Authorization requests nobody finished within their 15 minutes (docs/oidc.md).
  func authorizationRequests() -> CleanupTask {
    .rows(of: "token.authorization_requests", key: "id", retention: nil, where: "expires_at < now()")
  }

  func authorizationCodes() -> CleanupTask {
    .rows(
      of: "token.authorization_codes", key: "code_hash", retention: retention.authorizationCodes,
      where: "expires_at < now() - make_interval(secs => $1)")
  }

  /// Ended browser sessions no app session or code still names (those go first, by their own rules).
  func browserSessions() -> CleanupTask {
    .rows(
      of: "token.browser_sessions", key: "id", retention: retention.browserSessions,
      where: """
        least(expires_at, coalesce(revoked_at, 'infinity')) < now() - make_interval(secs => $1)
          AND NOT EXISTS (SELECT 1 FROM token.sessions s WHERE s.browser_session_id = token.browser_sessions.id)
          AND NOT EXISTS (SELECT 1 FROM token.authorization_codes c WHERE c.browser_session_id = token.browser_sessions.id)
        """)
  }
}
