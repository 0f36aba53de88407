import Foundation
import Logging
import PostgresNIO
import Shared

/// `token.memberships` one member at a time (docs/admin.md, "Members"): adding an existing
/// account to a service, and a member as the admin API shows it.
struct MemberStore: Sendable {
  let postgres: Database
  let logger: Logger

  /// The account, by id or else by address (any case).
  func accountID(id: UUID?, email: String?) async throws -> UUID? {
    for try await found in try await postgres.query(
      "SELECT id FROM token.users WHERE id = \(id) OR (\(id)::uuid IS NULL AND lower(email) = lower(\(email)))", logger: logger
    ).decode(UUID.self) {
      return found
    }
    return nil
  }

  /// Adds the account with `role`, with `MEMBER_ADDED` by `actor`, in one transaction; nil when it
  /// is a member already (the primary key decides, so of many adds at once one succeeds).
  func add(serviceID: UUID, userID: UUID, role: String, actor: UUID, client: ClientInfo, requestID: String?) async throws -> MemberView? {
    try await postgres.transaction(logger: logger) { connection in
      try await connection.scope(toService: serviceID, logger: logger)
      let added = try await connection.query(
        """
        INSERT INTO token.memberships (service_id, user_id, role) VALUES (\(serviceID), \(userID), \(role))
        ON CONFLICT DO NOTHING RETURNING user_id
        """, logger: logger
      ).collect()
      guard !added.isEmpty else { return nil }
      try await AuditEvent(
        action: "MEMBER_ADDED", actorUserID: actor, serviceID: serviceID, requestID: requestID, client: client,
        details: ["user_id": userID.uuidString.lowercased(), "role": role]
      ).insert(on: connection, logger: logger)
      return try await Self.member(serviceID: serviceID, userID: userID, on: connection, logger: logger)
    }
  }

  func member(serviceID: UUID, userID: UUID) async throws -> MemberView? {
    try await postgres.transaction(logger: logger) { connection in
      try await connection.scope(toService: serviceID, logger: logger)
      return try await Self.member(serviceID: serviceID, userID: userID, on: connection, logger: logger)
    }
  }

  static func member(serviceID: UUID, userID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> MemberView? {
    for try await (username, email, role, status, joined, last, scopes, permissions) in try await connection.query(
      """
      SELECT u.username, u.email, m.role, m.status, m.created_at, m.last_login_at, m.scopes, m.permissions
      FROM token.memberships m JOIN token.users u ON u.id = m.user_id WHERE m.service_id = \(serviceID) AND m.user_id = \(userID)
      """, logger: logger
    ).decode((String, String, String, String, Date, Date?, [String], [String]).self) {
      var member = MemberView(
        userID: userID.uuidString.lowercased(), username: username, email: email, role: role, status: status, joinedAt: joined,
        lastLoginAt: last)
      member.scopes = scopes
      member.permissions = permissions
      return member
    }
    return nil
  }
}
