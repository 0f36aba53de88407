import Foundation
import Logging
import PostgresNIO
import Shared

/// The SQL of linked social accounts: every change in one transaction with its audit row.
struct LinkedAccountStore: Sendable {
  let postgres: Database
  let keyRing: MasterKeyRing
  let logger: Logger

  static let tokensPurpose = "social.provider_tokens"

  /// The user a provider account is linked to.
  func user(provider: String, providerUserID: String) async throws -> UUID? {
    for try await id in try await postgres.query(
      """
      SELECT user_id FROM social.linked_accounts WHERE provider = \(provider) AND provider_user_id = \(providerUserID)
      """, logger: logger
    ).decode(UUID.self) { return id }
    return nil
  }

  /// Runs `body` holding a transaction-scoped lock on one provider account, so two sign-ins
  /// of the same new provider account never create two users: the second waits and then
  /// finds the first one's link.
  func withIdentityLock<T: Sendable>(
    provider: String, providerUserID: String,
    _ body: @Sendable (PostgresConnection) async throws -> T
  ) async throws -> T {
    try await postgres.transaction(logger: logger) { connection in
      _ = try await connection.query(
        "SELECT pg_advisory_xact_lock(hashtextextended(\(provider + ":" + providerUserID), 0))",
        logger: logger
      ).collect()
      return try await body(connection)
    }
  }

  func user(provider: String, providerUserID: String, on connection: PostgresConnection) async throws -> UUID? {
    for try await id in try await connection.query(
      """
      SELECT user_id FROM social.linked_accounts WHERE provider = \(provider) AND provider_user_id = \(providerUserID)
      """, logger: logger
    ).decode(UUID.self) { return id }
    return nil
  }

  /// Links the provider account to the user, with the audit row. A provider account linked to
  /// another user, or a second account of the same provider for this user, is a 409.
  func link(
    userID: UUID, provider: String, profile: NormalisedProfile, tokens: ProviderClient.Tokens?, serviceID: UUID?,
    requestID: String?, on connection: PostgresConnection
  ) async throws {
    let id = SecureRandom.uuid()
    var sealedTokens: ByteBuffer?
    var keyVersion: Int?
    if let tokens {
      let sealed = try keyRing.seal(try JSONEncoder().encode(tokens), purpose: Self.tokensPurpose, context: id.uuidString.lowercased())
      sealedTokens = ByteBuffer(bytes: sealed.sealed)
      keyVersion = sealed.keyVersion
    }
    let inserted = try await connection.query(
      """
      INSERT INTO social.linked_accounts (id, user_id, provider, provider_user_id, email, email_verified, display_name, username,
                                          avatar_url, locale, raw_profile, provider_tokens, master_key_version, last_login_at)
      VALUES (\(id), \(userID), \(provider), \(profile.providerID), \(profile.email), \(profile.emailVerified), \(profile.fullName),
              \(profile.username), \(profile.avatarURL), \(profile.locale), \(profile.raw)::jsonb, \(sealedTokens), \(keyVersion), now())
      ON CONFLICT DO NOTHING RETURNING id
      """, logger: logger
    ).collect()
    guard inserted.count == 1 else {
      throw SocialProblems.alreadyLinked.problem(
        "This \(provider) account is linked to another user, or this user already has a \(provider) account linked.")
    }
    // The provider account is named, so the account's owner (or an investigator) can tell
    // whose account was attached.
    try await AuditEvent(
      action: "SOCIAL_ACCOUNT_LINKED", actorUserID: userID, serviceID: serviceID, requestID: requestID,
      details: [
        "provider": provider, "provider_user_id": profile.providerID,
        "provider_username": profile.username ?? "", "provider_email": profile.email ?? "",
      ]
    ).insert(on: connection, logger: logger)
  }

  /// A sign-in through an existing link: the profile and tokens as the provider now gives them.
  func touch(userID: UUID, provider: String, profile: NormalisedProfile, on connection: PostgresConnection) async throws {
    _ = try await connection.query(
      """
      UPDATE social.linked_accounts SET email = \(profile.email), email_verified = \(profile.emailVerified),
             display_name = coalesce(\(profile.fullName), display_name), username = \(profile.username),
             avatar_url = \(profile.avatarURL), locale = \(profile.locale), raw_profile = \(profile.raw)::jsonb,
             last_login_at = now(), updated_at = now()
      WHERE user_id = \(userID) AND provider = \(provider)
      """, logger: logger
    ).collect()
  }

  func accounts(userID: UUID) async throws -> [LinkedAccountView] {
    var accounts: [LinkedAccountView] = []
    for try await (provider, providerID, email, verified, name, avatar, created, lastLogin) in try await postgres.query(
      """
      SELECT provider, provider_user_id, email, email_verified, display_name, avatar_url, created_at, last_login_at
      FROM social.linked_accounts WHERE user_id = \(userID) ORDER BY provider
      """, logger: logger
    ).decode((String, String, String?, Bool, String?, String?, Date, Date?).self) {
      accounts.append(
        LinkedAccountView(
          provider: provider, providerUserID: providerID, email: email, emailVerified: verified,
          displayName: name, avatarURL: avatar, linkedAt: created, lastLoginAt: lastLogin))
    }
    return accounts
  }

  /// Removes the link unless it is the user's last way to sign in (`hasPassword` false and
  /// no other link), with the audit row. The count and the delete share one transaction, and
  /// the user's links are locked, so two unlinks cannot remove the last two together.
  func unlink(userID: UUID, provider: String, hasPassword: Bool, requestID: String?) async throws -> Bool {
    try await postgres.transaction(logger: logger) { connection in
      var providers: [String] = []
      for try await name in try await connection.query(
        """
        SELECT provider FROM social.linked_accounts WHERE user_id = \(userID) FOR UPDATE
        """, logger: logger
      ).decode(String.self) { providers.append(name) }
      guard providers.contains(provider) else { return false }
      guard hasPassword || providers.count > 1 else {
        throw SocialProblems.lastLoginMethod.problem(
          "This is the only way left to sign in to the account; set a password or link another provider first.")
      }
      var providerUserID = ""
      for try await id in try await connection.query(
        """
        DELETE FROM social.linked_accounts WHERE user_id = \(userID) AND provider = \(provider) RETURNING provider_user_id
        """, logger: logger
      ).decode(String.self) {
        providerUserID = id
      }
      try await AuditEvent(
        action: "SOCIAL_ACCOUNT_UNLINKED", actorUserID: userID, requestID: requestID,
        details: ["provider": provider, "provider_user_id": providerUserID]
      ).insert(on: connection, logger: logger)
      return true
    }
  }

  /// The account is gone (docs/leaving.md): its links go, with their provider tokens and profiles.
  func erase(userID: UUID, requestID: String?) async throws -> AccountErased {
    try await postgres.eraseAccount(
      userID, action: "SOCIAL_ACCOUNTS_ERASED", requestID: requestID, logger: logger,
      deletes: ["DELETE FROM social.linked_accounts WHERE user_id = \(userID) RETURNING 1"])
  }
}
