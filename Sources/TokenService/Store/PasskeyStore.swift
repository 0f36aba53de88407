import Foundation
import Logging
import PostgresNIO
import Shared

/// `token.passkeys`: each change in one transaction with its audit row.
struct PasskeyStore: Sendable {
  /// What a sign-in checks the assertion with.
  struct Stored: Sendable {
    let id: UUID
    let userID: UUID
    let publicKey: [UInt8]
    let signCount: UInt32
    let rpID: String
  }

  let postgres: Database
  let logger: Logger

  /// The credential ids the account has, for the options' `excludeCredentials`.
  func credentialIDs(userID: UUID) async throws -> [[UInt8]] {
    var ids: [[UInt8]] = []
    for try await id in try await postgres.query(
      "SELECT credential_id FROM token.passkeys WHERE user_id = \(userID) ORDER BY created_at", logger: logger
    ).decode(ByteBuffer.self) {
      ids.append(Array(id.readableBytesView))
    }
    return ids
  }

  func add(
    userID: UUID, _ passkey: RegisteredPasskey, rpID: String, name: String, client: ClientInfo, requestID: String?
  ) async throws -> PasskeyView {
    do {
      return try await postgres.transaction(logger: logger) { connection in
        let rows = try await connection.query(
          """
          INSERT INTO token.passkeys (user_id, credential_id, public_key, algorithm, sign_count, rp_id, name, backup_eligible, backed_up)
          VALUES (\(userID), \(ByteBuffer(bytes: passkey.credentialID)), \(ByteBuffer(bytes: passkey.publicKeyCOSE)), \(passkey.algorithm),
                  \(Int64(passkey.signCount)), \(rpID), \(name), \(passkey.backupEligible), \(passkey.backedUp))
          RETURNING \(unescaped: Self.viewColumns)
          """, logger: logger)
        guard let view = try await Self.views(rows).first else { throw Problem.internalError() }
        try await AuditEvent(
          action: "PASSKEY_REGISTERED", actorUserID: userID, requestID: requestID, client: client,
          details: ["passkey_id": view.id, "name": name, "algorithm": String(passkey.algorithm)]
        ).insert(on: connection, logger: logger)
        return view
      }
    } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
      throw PasskeyProblems.alreadyRegistered.problem("This passkey is registered already.")
    }
  }

  func list(userID: UUID) async throws -> [PasskeyView] {
    try await Self.views(
      try await postgres.query(
        "SELECT \(unescaped: Self.viewColumns) FROM token.passkeys WHERE user_id = \(userID) ORDER BY created_at", logger: logger))
  }

  func rename(id: UUID, userID: UUID, name: String, requestID: String?) async throws -> PasskeyView? {
    try await postgres.transaction(logger: logger) { connection in
      let rows = try await connection.query(
        """
        UPDATE token.passkeys SET name = \(name) WHERE id = \(id) AND user_id = \(userID)
        RETURNING \(unescaped: Self.viewColumns)
        """, logger: logger)
      guard let view = try await Self.views(rows).first else { return nil }
      try await AuditEvent(
        action: "PASSKEY_RENAMED", actorUserID: userID, requestID: requestID, details: ["passkey_id": view.id, "name": name]
      ).insert(on: connection, logger: logger)
      return view
    }
  }

  /// False when the caller has no such passkey.
  func remove(id: UUID, userID: UUID, client: ClientInfo, requestID: String?) async throws -> Bool {
    try await postgres.transaction(logger: logger) { connection in
      let gone = try await connection.query(
        "DELETE FROM token.passkeys WHERE id = \(id) AND user_id = \(userID) RETURNING 1", logger: logger
      ).collect()
      guard !gone.isEmpty else { return false }
      try await AuditEvent(
        action: "PASSKEY_REMOVED", actorUserID: userID, requestID: requestID, client: client,
        details: ["passkey_id": id.uuidString.lowercased()]
      ).insert(on: connection, logger: logger)
      return true
    }
  }

  func find(credentialID: [UInt8]) async throws -> Stored? {
    for try await (id, userID, key, count, rpID) in try await postgres.query(
      """
      SELECT id, user_id, public_key, sign_count, rp_id FROM token.passkeys WHERE credential_id = \(ByteBuffer(bytes: credentialID))
      """, logger: logger
    ).decode((UUID, UUID, ByteBuffer, Int64, String).self) {
      return Stored(id: id, userID: userID, publicKey: Array(key.readableBytesView), signCount: UInt32(clamping: count), rpID: rpID)
    }
    return nil
  }

  /// The new counter, inside the sign-in's transaction: false when another sign-in with the same
  /// passkey raised the counter meanwhile to this one or beyond (a clone, or a replay racing).
  func recordUse(id: UUID, signCount: UInt32, backedUp: Bool, on connection: PostgresConnection) async throws -> Bool {
    let count = Int64(signCount)
    let raised = try await connection.query(
      """
      UPDATE token.passkeys SET sign_count = \(count), backed_up = \(backedUp), last_used_at = now()
      WHERE id = \(id) AND (sign_count < \(count) OR (\(count) = 0 AND sign_count = 0)) RETURNING 1
      """, logger: logger
    ).collect()
    return !raised.isEmpty
  }

  private static let viewColumns = "id, name, created_at, last_used_at, backed_up"

  private static func views(_ rows: PostgresRowSequence) async throws -> [PasskeyView] {
    var views: [PasskeyView] = []
    for try await (id, name, created, used, backedUp) in rows.decode((UUID, String, Date, Date?, Bool).self) {
      views.append(PasskeyView(id: id.uuidString.lowercased(), name: name, createdAt: created, lastUsedAt: used, backedUp: backedUp))
    }
    return views
  }
}
