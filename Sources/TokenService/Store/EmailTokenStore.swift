import Foundation
import Logging
import NIOCore
import PostgresNIO
import Shared

/// `token.email_tokens`: the single-use tokens of mailed links (docs/recovery.md). A token is 32
/// bytes only the master key can derive, kept as its SHA-256; issuing one spends every unused one of the same purpose for
/// the account (the newest link is the only one that works), and spending one happens in the
/// transaction of what it does.
struct EmailTokenStore: Sendable {
  enum Purpose: String, Sendable {
    case verifyEmail = "verify_email"
    case resetPassword = "reset_password"

    var lifetime: Duration {
      switch self {
      case .verifyEmail: .seconds(24 * 3600)
      case .resetPassword: .seconds(30 * 60)
      }
    }
  }

  /// What a spent token was for.
  struct Spent: Sendable {
    let userID: UUID
    let email: String
    let serviceID: UUID?
  }

  let logger: Logger

  /// Issues `token` (derived by the mail's sender from its outbox row, so a retried mail carries
  /// the same link) for `userID` on `connection`, spending any other unused one of the same
  /// purpose. Returns false when this token was issued already (a retry): nothing changes then.
  func issue(
    _ token: String, _ purpose: Purpose, userID: UUID, email: String, serviceID: UUID?, on connection: PostgresConnection
  ) async throws -> Bool {
    let hash = SecretDigest.sha256(token)
    let seconds = Double(purpose.lifetime.components.seconds)
    var inserted = false
    for try await _ in try await connection.query(
      """
      INSERT INTO token.email_tokens (token_hash, purpose, user_id, email, service_id, expires_at)
      VALUES (\(hash), \(purpose.rawValue), \(userID), \(email), \(serviceID), now() + make_interval(secs => \(seconds)))
      ON CONFLICT (token_hash) DO NOTHING RETURNING 1
      """, logger: logger
    ).decode(Int.self) {
      inserted = true
    }
    guard inserted else { return false }
    _ = try await connection.query(
      """
      UPDATE token.email_tokens SET used_at = now()
      WHERE user_id = \(userID) AND purpose = \(purpose.rawValue) AND used_at IS NULL AND token_hash <> \(hash)
      """, logger: logger
    ).collect()
    return true
  }

  /// The username and address of the account a still-good `token` of `purpose` is for, without
  /// spending it (nil for any other token).
  func holder(of token: String, _ purpose: Purpose, on postgres: Database) async throws -> (username: String, email: String)? {
    guard token.utf8.count == 43 else { return nil }
    for try await (username, email) in try await postgres.query(
      """
      SELECT u.username, u.email FROM token.email_tokens t JOIN token.users u ON u.id = t.user_id
      WHERE t.token_hash = \(SecretDigest.sha256(token)) AND t.purpose = \(purpose.rawValue) AND t.used_at IS NULL AND t.expires_at > now()
      """, logger: logger
    ).decode((String, String).self) {
      return (username, email)
    }
    return nil
  }

  /// Spends `token` for `purpose` on `connection`: the row is locked, so of two requests with one
  /// token exactly one gets it. Throws `link_invalid`, `link_used` or `link_expired`.
  func spend(_ token: String, _ purpose: Purpose, on connection: PostgresConnection) async throws -> Spent {
    guard token.utf8.count == 43, Base64URL.decode(token) != nil else {
      throw RecoveryProblems.linkInvalid.problem("This link is not one Gatehouse sent.", field: "token")
    }
    let rows = try await connection.query(
      """
      SELECT user_id, email, service_id, used_at IS NOT NULL, expires_at <= now()
      FROM token.email_tokens WHERE token_hash = \(SecretDigest.sha256(token)) AND purpose = \(purpose.rawValue)
      FOR UPDATE
      """, logger: logger)
    var found: (UUID, String, UUID?, Bool, Bool)?
    for try await row in rows.decode((UUID, String, UUID?, Bool, Bool).self) { found = row }
    guard let (userID, email, serviceID, used, expired) = found else {
      throw RecoveryProblems.linkInvalid.problem("This link is not one Gatehouse sent.", field: "token")
    }
    if used { throw RecoveryProblems.linkUsed.problem("This link was used already, or a newer one replaced it.") }
    if expired { throw RecoveryProblems.linkExpired.problem("This link has expired; ask for a new one.") }
    _ = try await connection.query(
      "UPDATE token.email_tokens SET used_at = now() WHERE token_hash = \(SecretDigest.sha256(token))", logger: logger
    ).collect()
    return Spent(userID: userID, email: email, serviceID: serviceID)
  }
}
