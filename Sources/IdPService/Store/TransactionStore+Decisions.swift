import Foundation
import Logging
import PostgresNIO
import Shared

/// The SQL of deciding a transaction: the read the rules decide on, and the one conditional
/// statement that records a decision (docs/idp.md, "The flow", step 3).
extension TransactionStore {
  /// The callback a decision left. `claimedHere`: its first attempt was taken by the deciding
  /// instance in the same statement (attempts = 1, leased), which sends it without a job.
  struct Delivery: Sendable {
    let id: UUID
    let transactionID: UUID
    let spID: UUID
    let status: VerificationStatusName
    let body: String
    let claimedHere: Bool
  }

  /// The transaction with what deciding it needs, or nil when it is not this person's.
  func decisionRow(id: UUID, userID: UUID) async throws -> DecisionContext.Row? {
    var found: DecisionContext.Row?
    for try await row in try await postgres.execute(DecisionContext(id: id, userID: userID), logger: logger) { found = row }
    return found
  }

  /// What the decision writes besides the status.
  struct Outcome: Sendable {
    var status: VerificationStatusName
    var reason: String?
    var audits: [(String, [String: String])]
    var resetPin = false
    var authCodeHash: [UInt8]? = nil
    var jwe: String? = nil
    var completedAt = Date()
  }

  /// Records `outcome` if the transaction is still PENDING (and not expired, unless the
  /// outcome is the expiry). Nil when another decision got there first.
  func conclude(
    _ id: UUID, row: DecisionContext.Row, outcome: Outcome, actor: UUID, claimHere: Bool, caller: Caller
  ) async throws -> Delivery? {
    try await postgres.withConnection { connection in
      try await finish(id, row: row, outcome: outcome, actor: actor, claimHere: claimHere, caller: caller, on: connection)
    }
  }

  /// Fails the transaction for a wrong PIN and counts the failure against the person, in one
  /// transaction: the failure counts only if it decided this transaction. Nil when another
  /// decision got there first; else the delivery and when the person's approvals are locked.
  func concludeWrongPin(
    _ id: UUID, row: DecisionContext.Row, actor: UUID, claimHere: Bool, caller: Caller
  ) async throws -> (Delivery, lockedUntil: Date?)? {
    let outcome = Outcome(status: .failed, reason: "invalid_pin", audits: [("AUTH_FAILED", ["reason": "invalid_pin"])])
    return try await postgres.transaction(logger: logger) { connection -> (Delivery, lockedUntil: Date?)? in
      guard
        let delivery = try await finish(
          id, row: row, outcome: outcome, actor: actor, claimHere: claimHere, caller: caller, on: connection)
      else { return nil }
      return (delivery, try await profiles.recordWrongPin(userID: actor, on: connection))
    }
  }

  private func finish(
    _ id: UUID, row: DecisionContext.Row, outcome: Outcome, actor: UUID, claimHere: Bool, caller: Caller,
    on connection: PostgresConnection
  ) async throws -> Delivery? {
    try await finish(
      id, spID: row.spID, status: outcome.status, reason: outcome.reason, completedAt: outcome.completedAt,
      authCodeHash: outcome.authCodeHash, jwe: outcome.jwe, audits: outcome.audits, actor: actor,
      clientID: row.clientID, caller: caller, resetPin: outcome.resetPin, claimHere: claimHere, on: connection)
  }

  /// The transaction with what deciding it needs: the person's PIN verifier, lock and sealed
  /// CI, the SP's client id and its current result key. Prepared: planning this four-table
  /// join cost more than running it.
  struct DecisionContext: PostgresPreparedStatement {
    static let sql = """
      SELECT t.sp_id, t.status, t.expires_at <= now(), p.pin_verifier,
             CASE WHEN p.pin_locked_until > now() THEN p.pin_locked_until END, p.ci_sealed, p.ci_key_version, sp.client_id,
             p.pin_failures > 0, k.kid, k.key_sealed, k.master_key_version, sp.may_receive_ci
      FROM idp.transactions t
      JOIN idp.identity_profiles p ON p.user_id = t.user_id
      JOIN idp.service_providers sp ON sp.id = t.sp_id
      LEFT JOIN idp.result_keys k ON k.sp_id = t.sp_id AND k.retired_at IS NULL
      WHERE t.id = $1 AND t.user_id = $2
      """

    struct Row: Sendable {
      let spID: UUID
      let status: String
      let expired: Bool
      let pinVerifier: [UInt8]
      let lockedUntil: Date?
      let ci: EncryptedValue
      let clientID: String
      let hadFailures: Bool
      let resultKey: (kid: String, sealed: [UInt8], version: Int)?
      /// The SP may receive the plain CI (migration 008); otherwise its result has the DI only.
      let mayReceiveCI: Bool

      /// What the rules decide on.
      var facts: DecisionRules.Facts {
        DecisionRules.Facts(
          status: VerificationStatusName(rawValue: status) ?? .failed, expired: expired,
          pinLockedUntil: lockedUntil, hadPinFailures: hadFailures)
      }
    }

    let id: UUID
    let userID: UUID

    func makeBindings() throws -> PostgresBindings {
      var bindings = PostgresBindings()
      bindings.append(id)
      bindings.append(userID)
      return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
      let c = row.makeRandomAccess()
      let kid = try c[9].decode(String?.self)
      let keySealed = try c[10].decode(ByteBuffer?.self)
      let keyVersion = try c[11].decode(Int?.self)
      return Row(
        spID: try c[0].decode(UUID.self), status: try c[1].decode(String.self), expired: try c[2].decode(Bool.self),
        pinVerifier: Array(try c[3].decode(ByteBuffer.self).readableBytesView), lockedUntil: try c[4].decode(Date?.self),
        ci: EncryptedValue(keyVersion: try c[6].decode(Int.self), sealed: Array(try c[5].decode(ByteBuffer.self).readableBytesView)),
        clientID: try c[7].decode(String.self), hadFailures: try c[8].decode(Bool.self),
        resultKey: kid.flatMap { kid in keySealed.flatMap { sealed in keyVersion.map { (kid, Array(sealed.readableBytesView), $0) } } },
        mayReceiveCI: try c[12].decode(Bool.self))
    }
  }

  /// Expires what is past its time, a batch at a time, each with its audit row and callback.
  /// Concurrent sweepers skip each other's rows.
  func expireDue(limit: Int = 200) async throws -> [Delivery] {
    try await postgres.transaction(logger: logger) { connection in
      let rows = try await connection.query(
        """
        SELECT id, sp_id, user_id FROM idp.transactions
        WHERE status = 'PENDING' AND expires_at <= now() ORDER BY expires_at LIMIT \(limit) FOR UPDATE SKIP LOCKED
        """, logger: logger)
      var due: [(UUID, UUID, UUID)] = []
      for try await row in rows.decode((UUID, UUID, UUID).self) { due.append(row) }
      var deliveries: [Delivery] = []
      for (id, spID, userID) in due {
        if let delivery = try await finish(
          id, spID: spID, status: .expired, reason: "expired", audits: [("AUTH_EXPIRED", [:])],
          actor: userID, clientID: nil, caller: .system, claimHere: false, on: connection)
        {
          deliveries.append(delivery)
        }
      }
      return deliveries
    }
  }

  /// Sets the final status of a transaction that is still PENDING (and, unless `status` is
  /// EXPIRED, not yet expired), writes the callback for the SP (`{transaction_id, status,
  /// result}` when completed, the JWE; `{transaction_id, status, failure_reason}` otherwise)
  /// and the audit rows, in one statement. Nil when the row was no longer PENDING.
  private func finish(
    _ id: UUID, spID: UUID, status: VerificationStatusName, reason: String?, completedAt: Date = Date(),
    authCodeHash: [UInt8]? = nil, jwe: String? = nil, audits: [(String, [String: String])], actor: UUID,
    clientID: String?, caller: Caller, resetPin: Bool = false, claimHere: Bool,
    on connection: PostgresConnection
  ) async throws -> Delivery? {
    let audited = AuditClient(caller.client)
    let body = String(
      buffer: try JSON.encode(
        CallbackBody(
          transactionID: id.uuidString.lowercased(), status: status, result: jwe, failureReason: reason)))
    let details = try audits.map {
      String(buffer: try JSON.encode($0.1.merging(["transaction_id": id.uuidString.lowercased()]) { a, _ in a }))
    }
    for try await deliveryID in try await connection.execute(
      Finish(
        id: id, status: status.rawValue, completedAt: completedAt, reason: reason, authCodeHash: authCodeHash.map { ByteBuffer(bytes: $0) },
        jwe: jwe, spID: spID, body: body, lease: deliveryLease.seconds, actor: actor, clientID: clientID,
        requestID: caller.requestID, actions: audits.map(\.0), details: details, resetPin: resetPin, claimHere: claimHere,
        ip: audited.ip, userAgent: audited.userAgent), logger: logger)
    {
      return Delivery(id: deliveryID, transactionID: id, spID: spID, status: status, body: body, claimedHere: claimHere)
    }
    return nil
  }

  /// The decision's writes as one prepared statement: the transaction's final state (only
  /// from PENDING, and only before its expiry unless it is the expiry), its callback delivery
  /// (leased, and its first attempt taken when `$16`), its audit rows and (after a right PIN)
  /// the person's failure count reset. No row back: nothing changed.
  struct Finish: PostgresPreparedStatement {
    static let sql = """
      WITH finished AS (
          UPDATE idp.transactions SET status = $2, completed_at = $3, failure_reason = $4, auth_code_hash = $5, result_jwe = $6
          WHERE id = $1 AND status = 'PENDING' AND ($2 = 'EXPIRED' OR expires_at > now())
          RETURNING id
      ), delivery AS (
          INSERT INTO idp.callback_deliveries (transaction_id, sp_id, body, attempts, next_attempt_at)
          SELECT id, $7, $8, CASE WHEN $16 THEN 1 ELSE 0 END, now() + make_interval(secs => $9) FROM finished RETURNING id
      ), audited AS (
          INSERT INTO audit.events (action, actor_user_id, client_id, request_id, details, ip, user_agent)
          SELECT a.action, $10, $11, $12, a.details::jsonb, $17::text::inet, $18::text
              FROM finished, unnest($13::text[], $14::text[]) WITH ORDINALITY AS a(action, details, n)
          ORDER BY a.n
      ), reset AS (
          UPDATE idp.identity_profiles SET pin_failures = 0, pin_first_failed_at = NULL
          WHERE $15 AND user_id = $10 AND EXISTS (SELECT 1 FROM finished)
      )
      SELECT id FROM delivery
      """

    let id: UUID
    let status: String
    let completedAt: Date
    let reason: String?
    let authCodeHash: ByteBuffer?
    let jwe: String?
    let spID: UUID
    let body: String
    let lease: Double
    let actor: UUID
    let clientID: String?
    let requestID: String?
    let actions: [String]
    let details: [String]
    let resetPin: Bool
    let claimHere: Bool
    let ip: String?
    let userAgent: String?

    func makeBindings() throws -> PostgresBindings {
      var b = PostgresBindings()
      b.append(id)
      b.append(status)
      b.append(completedAt)
      b.append(reason)
      b.append(authCodeHash)
      b.append(jwe)
      b.append(spID)
      b.append(body)
      b.append(lease)
      b.append(actor)
      b.append(clientID)
      b.append(requestID)
      b.append(actions)
      b.append(details)
      b.append(resetPin)
      b.append(claimHere)
      b.append(ip)
      b.append(userAgent)
      return b
    }

    func decodeRow(_ row: PostgresRow) throws -> UUID { try row.decode(UUID.self) }
  }
}
