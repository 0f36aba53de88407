import Foundation
import Logging
import PostgresNIO
import Shared

/// Reading a user's own account.
struct ProfileStore: Sendable {
  let postgres: Database
  let logger: Logger

  func profile(userID: UUID, serviceSlug: String) async throws -> Profile? {
    let rows = try await postgres.query(
      """
      SELECT u.id, u.username, u.email, u.first_name, u.last_name, u.preferred_language, u.marketing_consent,
             u.email_verified, u.created_at, s.id, s.slug, s.name, m.role, u.mfa_enabled,
             u.password_hash IS NOT NULL, u.pending_email
      FROM token.users u
      JOIN token.services s ON s.slug = \(serviceSlug)
      LEFT JOIN LATERAL token.membership(s.id, u.id) m ON true
      WHERE u.id = \(userID) AND u.is_active
      """, logger: logger)
    for try await row in rows {
      let c = row.makeRandomAccess()
      var profile = Profile(
        id: try c[0].decode(UUID.self).uuidString.lowercased(), username: try c[1].decode(String.self),
        email: try c[2].decode(String.self), firstName: try c[3].decode(String.self), lastName: try c[4].decode(String.self),
        preferredLanguage: try c[5].decode(String.self), marketingConsent: try c[6].decode(Bool.self),
        emailVerified: try c[7].decode(Bool.self), createdAt: try c[8].decode(Date.self),
        service: ServiceSummary(
          id: try c[9].decode(UUID.self), slug: try c[10].decode(String.self),
          name: try c[11].decode(String.self), role: try c[12].decode(String?.self)))
      profile.mfaEnabled = try c[13].decode(Bool.self)
      profile.hasPassword = try c[14].decode(Bool.self)
      profile.pendingEmail = try c[15].decode(String?.self)
      return profile
    }
    return nil
  }
}

extension ProfileStore {
  /// Changes the fields present, with the audit row, in one transaction. Returns false when
  /// there is no such active user. A change of `marketing_consent` is also the marketing
  /// agreement's (`marketingVersion`, docs/accounts.md "Agreements").
  func update(userID: UUID, _ update: ProfileUpdate, marketingVersion: String, requestID: String?) async throws -> Bool {
    guard !update.fields.isEmpty else { return true }
    return try await postgres.transaction(logger: logger) { connection in
      let changed = try await connection.query(
        """
        UPDATE token.users SET
            first_name = COALESCE(\(update.firstName), first_name),
            last_name = COALESCE(\(update.lastName), last_name),
            preferred_language = COALESCE(\(update.preferredLanguage), preferred_language),
            marketing_consent = COALESCE(\(update.marketingConsent), marketing_consent),
            updated_at = now()
        WHERE id = \(userID) AND is_active RETURNING id
        """, logger: logger
      ).collect().count
      guard changed == 1 else { return false }
      if let marketing = update.marketingConsent {
        _ = try await AgreementStore.change(
          userID: userID, kind: "marketing", version: marketingVersion, accepted: marketing, on: connection, logger: logger)
      }
      try await AuditEvent(
        action: "PROFILE_UPDATED", actorUserID: userID, requestID: requestID,
        details: ["fields": update.fields.joined(separator: ",")]
      ).insert(on: connection, logger: logger)
      return true
    }
  }
}
