import Foundation
import Logging
import PostgresNIO
import Shared

/// The SQL of `AccountDeletion` (docs/leaving.md): one transaction takes the account out of the
/// `token` schema, minimises the audit rows about it and queues the erasure of what the other
/// services hold (an outbox row, so no restart loses it).
struct AccountDeletionStore: Sendable {
  static let erasureQueue = JobQueue("token.account_erasure")

  /// What the rules look at, read under the account's lock.
  struct Facts: Sendable {
    let platformRole: String
    /// Open services the account owns (the first few).
    let ownedServices: [String]
    /// Other SUPER_ADMIN accounts.
    let otherSuperAdmins: Int
  }

  struct Outcome: Sendable {
    let tokenVersion: Int
    let sessionsEnded: Int
    let membershipsEnded: Int
    let auditRowsMinimised: Int
    let erasure: OutboxJob
  }

  /// What token-service queues for social-service and idp-service.
  struct ErasureJob: Codable, Sendable {
    var userID: UUID
    var requestID: String?

    enum CodingKeys: String, CodingKey {
      case userID = "user_id"
      case requestID = "request_id"
    }
  }

  let postgres: Database
  let outbox: Outbox
  let redis: RedisClient
  let logger: Logger

  /// Deletes the account unless `refuse` throws on its facts. Nil when there is no such account.
  func delete(
    userID: UUID, serviceID: UUID?, requestID: String?, refuse: @Sendable (Facts) throws -> Void
  ) async throws -> Outcome? {
    try await postgres.transaction(logger: logger) { connection in
      guard let facts = try await facts(userID, on: connection) else { return nil }
      try refuse(facts)
      var version = 0
      var email = ""
      for try await (raised, address) in try await connection.query(
        """
        UPDATE token.users SET token_version = token_version + 1 WHERE id = \(userID)
        RETURNING token_version, lower(email) || coalesce(' ' || lower(pending_email), '')
        """, logger: logger
      ).decode((Int, String).self) {
        (version, email) = (raised, address)
      }
      let addresses = email.split(separator: " ").map(String.init)
      let sessions = try await count(
        "SELECT count(*)::int FROM token.sessions WHERE user_id = \(userID) AND revoked_at IS NULL AND expires_at > now()", on: connection)
      // Through token.membership: it names each service for the row-level policy.
      let memberships = try await count(
        "SELECT count(*)::int FROM token.services s CROSS JOIN LATERAL token.membership(s.id, \(userID)) m", on: connection)
      let minimised = try await AuditErasure.erase(userID: userID, on: connection, logger: logger)
      _ = try await connection.query(
        "DELETE FROM token.invitations WHERE lower(email) = ANY(\(addresses))", logger: logger
      ).collect()
      _ = try await connection.query(
        """
        DELETE FROM token.outbox WHERE queue = 'token.mail'
          AND (payload ->> 'user_id' = \(userID.uuidString.lowercased()) OR lower(payload ->> 'email') = ANY(\(addresses)))
        """, logger: logger
      ).collect()
      _ = try await connection.query("DELETE FROM token.users WHERE id = \(userID)", logger: logger).collect()
      let job = try await outbox.add(
        ErasureJob(userID: userID, requestID: requestID), to: Self.erasureQueue, on: connection, logger: logger)
      // Names no one: the account is gone, and so is every way back to it.
      try await AuditEvent(
        action: "ACCOUNT_DELETED", serviceID: serviceID, requestID: requestID,
        details: [
          "sessions_ended": String(sessions), "memberships_ended": String(memberships), "audit_rows_minimised": String(minimised),
        ]
      ).insert(on: connection, logger: logger)
      return Outcome(
        tokenVersion: version, sessionsEnded: sessions, membershipsEnded: memberships, auditRowsMinimised: minimised, erasure: job)
    }
  }

  /// Hands the committed erasure to Redis; the sweeper does if this fails.
  func dispatch(_ job: OutboxJob) async {
    await outbox.dispatch(job, redis: redis, logger: logger)
  }

  /// The account's role and what it owns, with its row locked; every SUPER_ADMIN's row too when
  /// it is one, so two of the last two cannot both leave.
  private func facts(_ userID: UUID, on connection: PostgresConnection) async throws -> Facts? {
    var role: String?
    for try await found in try await connection.query(
      "SELECT platform_role FROM token.users WHERE id = \(userID) FOR UPDATE", logger: logger
    ).decode(String.self) {
      role = found
    }
    guard let role else { return nil }
    var others = 0
    if role == PlatformRole.superAdmin.rawValue {
      others =
        try await connection.query(
          "SELECT id FROM token.users WHERE platform_role = 'SUPER_ADMIN' AND is_active ORDER BY id FOR UPDATE", logger: logger
        ).collect().count - 1
    }
    var owned: [String] = []
    for try await slug in try await connection.query(
      "SELECT slug FROM token.services WHERE owner_user_id = \(userID) AND deleted_at IS NULL ORDER BY slug LIMIT 5", logger: logger
    ).decode(String.self) {
      owned.append(slug)
    }
    return Facts(platformRole: role, ownedServices: owned, otherSuperAdmins: others)
  }

  private func count(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> Int {
    try await connection.query(query, logger: logger).collect().first?.decode(Int.self) ?? 0
  }
}
