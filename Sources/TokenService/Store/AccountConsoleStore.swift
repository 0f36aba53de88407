import Crypto
import Foundation
import Logging
import PostgresNIO
import Shared

/// The built-in account console's row in `token.services` (AccountConsoleClient): a public,
/// first-party client whose redirect and post-logout URIs are under the deployment's issuer.
/// An issuer's URIs are added, never swapped: every instance adds its own, so instances started
/// with different issuers (a rename in progress, or test clusters sharing one database) all work.
struct AccountConsoleStore: Sendable {
  let postgres: Database
  let logger: Logger

  /// Creates the console's service, or adds this issuer's URIs to it, with an audit row
  /// when anything changed; nothing is written when it is already as it should be.
  func ensure(issuer: String) async throws {
    let redirect = [AccountConsoleClient.redirectURI(issuer: issuer), AccountConsoleClient.linkedURI(issuer: issuer)]
    // Every provider the deployment may configure: the ones with a client are offered, so a
    // person who signs in only with a provider reaches their account too.
    let providers = ServiceSettingsRules.providers.sorted()
    let home = [AccountConsoleClient.home(issuer: issuer)]
    // A public client has no secret; the column wants a hash, so it gets one of nothing anyone holds.
    let noSecret = ByteBuffer(bytes: SHA256.hash(data: SecureRandom.bytes(32)))
    try await postgres.transaction(logger: logger) { connection in
      let rows = try await connection.query(
        """
        INSERT INTO token.services AS s (slug, name, type, redirect_uris, post_logout_redirect_uris, client_id,
                                         client_secret_hash, public_client, first_party, refresh_without_offline_access,
                                         social_providers, plan)
        VALUES (\(AccountConsoleClient.slug), \(AccountConsoleClient.name), 'web', \(redirect), \(home),
                \(AccountConsoleClient.clientID), \(noSecret), true, true, true, \(providers), 'enterprise')
        ON CONFLICT (slug) DO UPDATE
          SET redirect_uris = s.redirect_uris || EXCLUDED.redirect_uris,
              post_logout_redirect_uris = s.post_logout_redirect_uris || EXCLUDED.post_logout_redirect_uris,
              updated_at = now()
          WHERE NOT (s.redirect_uris @> EXCLUDED.redirect_uris AND s.post_logout_redirect_uris @> EXCLUDED.post_logout_redirect_uris)
        RETURNING s.id, (s.xmax = 0)
        """, logger: logger)
      for try await (id, inserted) in rows.decode((UUID, Bool).self) {
        try await AuditEvent(
          action: inserted ? "SERVICE_CREATED" : "SERVICE_UPDATED", serviceID: id,
          details: ["slug": AccountConsoleClient.slug, "client_id": AccountConsoleClient.clientID, "redirect_uri": redirect[0]]
        ).insert(on: connection, logger: logger)
      }
    }
  }
}
