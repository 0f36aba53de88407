import Foundation
import Logging
import PostgresNIO
import Shared

/// The SQL token-service runs for social sign-in: a service's social settings, and finding or
/// creating the user behind a provider's profile.
struct SocialAccountStore: Sendable {
  let postgres: Database
  let logger: Logger

  func settings(slug: String) async throws -> SocialServiceSettings? {
    let rows = try await postgres.query(
      """
      SELECT slug, client_id, status = 'active' AND deleted_at IS NULL, social_providers, redirect_uris, auto_create_user
      FROM token.services WHERE slug = \(slug)
      """, logger: logger)
    for try await (slug, clientID, open, providers, uris, autoCreate) in rows.decode((String, String, Bool, [String], [String], Bool).self)
    {
      return SocialServiceSettings(
        slug: slug, clientID: clientID, open: open, socialProviders: providers, redirectURIs: uris,
        autoCreateUser: autoCreate)
    }
    return nil
  }

  /// The user whose e-mail this is, in any case, and whether that account's own address is verified.
  func user(email: String) async throws -> (id: UUID, verified: Bool)? {
    for try await row in try await postgres.query(
      "SELECT id, email_verified FROM token.users WHERE lower(email) = lower(\(email))",
      logger: logger
    ).decode((UUID, Bool).self) { return row }
    return nil
  }

  /// A user with no password (they sign in with the provider), with the audit row. A taken
  /// e-mail is a 409 `email_taken`; a taken username is nil (the caller picks another).
  func create(
    username: String, email: String, emailVerified: Bool, firstName: String, lastName: String, serviceID: UUID,
    provider: String, requestID: String?
  ) async throws -> UUID? {
    do {
      return try await postgres.transaction(logger: logger) { connection in
        var created: UUID?
        for try await id in try await connection.query(
          """
          INSERT INTO token.users (username, username_key, email, password_hash, first_name, last_name, email_verified)
          VALUES (\(username), \(Username.key(username)), \(email), NULL, \(firstName), \(lastName), \(emailVerified))
          RETURNING id
          """, logger: logger
        ).decode(UUID.self) { created = id }
        guard let id = created else { throw Problem.internalError() }
        try await AuditEvent(
          action: "USER_REGISTERED", actorUserID: id, serviceID: serviceID, requestID: requestID,
          details: ["username": username, "method": provider]
        ).insert(on: connection, logger: logger)
        return id
      }
    } catch let error as PSQLError {
      guard let problem = AccountStore.conflict(from: error) else { throw error }
      if problem.code == AccountProblems.usernameTaken.code { return nil }
      throw problem
    }
  }

  func hasPassword(userID: UUID) async throws -> Bool? {
    for try await has in try await postgres.query("SELECT password_hash IS NOT NULL FROM token.users WHERE id = \(userID)", logger: logger)
      .decode(Bool.self)
    { return has }
    return nil
  }
}
