import Foundation
import Logging
import PostgresNIO
import Shared

/// The SQL of the OpenID Provider's authorizations (docs/oidc.md): requests waiting for a page,
/// and remembered consent. Codes are `AuthorizationCodeStore`'s.
struct AuthorizationStore: Sendable {
  let postgres: Database
  let logger: Logger

  /// How long a person has to get through the pages of one authorization request.
  static let pendingSeconds = 900

  /// A request waiting for the person, with what the pages learned so far.
  struct Pending: Sendable {
    let id: UUID
    let serviceID: UUID
    let request: AuthorizationRequestRules.Accepted
    /// Set once the password passed for an account with a second factor.
    let userID: UUID?
    let mfaToken: String?
    /// The browser session this request's own pages opened.
    let signedInSession: UUID?
  }

  func savePending(_ request: AuthorizationRequestRules.Accepted, serviceID: UUID) async throws -> UUID {
    let json = String(buffer: try JSON.encode(request))
    let rows = try await postgres.query(
      """
      INSERT INTO token.authorization_requests (service_id, request, expires_at)
      VALUES (\(serviceID), \(json)::jsonb, now() + make_interval(secs => \(Double(Self.pendingSeconds)))) RETURNING id
      """, logger: logger)
    for try await id in rows.decode(UUID.self) { return id }
    throw Problem.internalError()
  }

  /// The request if it is still waiting.
  func pending(id: UUID) async throws -> Pending? {
    let rows = try await postgres.query(
      """
      SELECT service_id, request::text, user_id, mfa_token, signed_in_session FROM token.authorization_requests
      WHERE id = \(id) AND expires_at > now()
      """, logger: logger)
    for try await (service, json, user, mfaToken, session) in rows.decode((UUID, String, UUID?, String?, UUID?).self) {
      let request = try JSON.decode(AuthorizationRequestRules.Accepted.self, from: ByteBuffer(string: json))
      return Pending(id: id, serviceID: service, request: request, userID: user, mfaToken: mfaToken, signedInSession: session)
    }
    return nil
  }

  /// The password passed and a second factor is awaited: its challenge stays here, not in the page.
  func awaitSecondFactor(id: UUID, userID: UUID, mfaToken: String) async throws {
    _ = try await postgres.query(
      "UPDATE token.authorization_requests SET user_id = \(userID), mfa_token = \(mfaToken) WHERE id = \(id)", logger: logger
    ).collect()
  }

  /// The request's own page opened `session`, in the transaction that opened it.
  func markSignedIn(id: UUID, session: UUID, on connection: PostgresConnection) async throws {
    _ = try await connection.query(
      "UPDATE token.authorization_requests SET signed_in_session = \(session) WHERE id = \(id)", logger: logger
    ).collect()
  }

  /// The request is answered (a code, or a refusal sent to the client): its pages are done.
  func finish(id: UUID) async throws {
    _ = try await postgres.query("DELETE FROM token.authorization_requests WHERE id = \(id)", logger: logger).collect()
  }

  /// Whether the person may sign in to the service: an active member, or anyone when it lets
  /// people join (`auto_create_user`; the exchange then makes them a member).
  func mayJoin(userID: UUID, service: ServiceRecord) async throws -> Bool {
    for try await status in try await postgres.query(
      "SELECT status FROM token.membership(\(service.id), \(userID))", logger: logger
    ).decode(String.self) {
      return status == "active"
    }
    return service.autoCreateUser
  }

  /// Whether the person allowed the service every one of `scopes` before.
  func hasConsent(userID: UUID, serviceID: UUID, scopes: [String]) async throws -> Bool {
    try await postgres.query(
      """
      SELECT 1 FROM token.consents WHERE user_id = \(userID) AND service_id = \(serviceID) AND scopes @> \(scopes)
      """, logger: logger
    ).collect().count > 0
  }

  /// Remembers what the person allowed (adding to what they allowed before), with its audit row.
  func grantConsent(userID: UUID, serviceID: UUID, scopes: [String], client: ClientInfo, requestID: String?) async throws {
    try await postgres.transaction(logger: logger) { connection in
      _ = try await connection.query(
        """
        INSERT INTO token.consents (user_id, service_id, scopes) VALUES (\(userID), \(serviceID), \(scopes))
        ON CONFLICT (user_id, service_id) DO UPDATE
        SET scopes = ARRAY(SELECT DISTINCT unnest(token.consents.scopes || EXCLUDED.scopes) ORDER BY 1), granted_at = now()
        """, logger: logger
      ).collect()
      try await AuditEvent(
        action: "CONSENT_GRANTED", actorUserID: userID, serviceID: serviceID, requestID: requestID, client: client,
        details: ["scopes": scopes.joined(separator: " ")]
      ).insert(on: connection, logger: logger)
    }
  }

  /// The third-party services the person allowed, newest first.
  func consents(userID: UUID) async throws -> [ConsentView] {
    let rows = try await postgres.query(
      """
      SELECT s.slug, s.name, c.scopes, c.granted_at FROM token.consents c JOIN token.services s ON s.id = c.service_id
      WHERE c.user_id = \(userID) ORDER BY c.granted_at DESC
      """, logger: logger)
    var consents: [ConsentView] = []
    for try await (slug, name, scopes, granted) in rows.decode((String, String, [String], Date).self) {
      consents.append(ConsentView(service: slug, name: name, scopes: scopes, grantedAt: granted))
    }
    return consents
  }

  /// Forgets what the person allowed the service (its next sign-in asks again), with the audit
  /// row; false when there was nothing to forget.
  func revokeConsent(userID: UUID, service slug: String, requestID: String?) async throws -> Bool {
    try await postgres.transaction(logger: logger) { connection in
      var revoked: UUID?
      for try await id in try await connection.query(
        """
        DELETE FROM token.consents c USING token.services s
        WHERE c.service_id = s.id AND s.slug = \(slug) AND c.user_id = \(userID) RETURNING s.id
        """, logger: logger
      ).decode(UUID.self) {
        revoked = id
      }
      guard let serviceID = revoked else { return false }
      try await AuditEvent(action: "CONSENT_REVOKED", actorUserID: userID, serviceID: serviceID, requestID: requestID)
        .insert(on: connection, logger: logger)
      return true
    }
  }
}
