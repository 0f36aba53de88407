import Foundation
import Logging
import PostgresNIO
import Shared

/// `idp.transactions`, their notifications and the callback delivery each decision leaves.
struct TransactionStore: Sendable {
  let postgres: Database
  /// Records a wrong PIN in the same transaction as the decision it failed.
  let profiles: IdentityProfileStore
  /// How long a delivery waits for its first worker before the sweeper hands it out again.
  let deliveryLease: Duration
  let logger: Logger

  /// A new PENDING transaction for the person with this phone number, its notification and
  /// audit row, in one round trip (`idp.open_request`, migrations 004, 006, 007, 009, 015, 016). Nil when
  /// no one has this number (counted as a miss against the SP, its owner and the deployment);
  /// refused, whatever the number, when one of those budgets is spent (`UnknownNumberLimits`), or when
  /// the person already has `maxPending` undecided requests (counted under a per-person lock,
  /// so concurrent requests cannot all slip under the limit).
  func create(
    sp: ServiceProvider, phoneNumber: String, purpose: String, lifetime: Duration, maxPending: Int,
    unknownNumbers: UnknownNumberLimits, monthlyLimit: Int?, caller: Caller
  ) async throws -> (status: VerificationStatus, item: InboxItem, userID: UUID)? {
    var opened: Open.Row?
    let audited = AuditClient(caller.client)
    for try await row in try await postgres.execute(
      Open(
        phoneNumber: phoneNumber, spID: sp.id, purpose: purpose, lifetime: lifetime.seconds, maxPending: maxPending,
        clientID: sp.clientID, requestID: caller.requestID, spName: sp.name, unknownNumbers: unknownNumbers, owner: sp.ownerUserID,
        ip: audited.ip, userAgent: audited.userAgent, monthlyLimit: monthlyLimit), logger: logger
    ) {
      opened = row
    }
    switch opened {
    case .created(let id, let userID, let createdAt, let expiresAt):
      let idText = id.uuidString.lowercased()
      return (
        VerificationStatus(transactionID: idText, status: .pending, createdAt: createdAt, expiresAt: expiresAt, completedAt: nil),
        InboxItem(transactionID: idText, serviceProvider: sp.name, purpose: purpose, createdAt: createdAt, expiresAt: expiresAt),
        userID
      )
    case .tooManyPending:
      throw IdPProblems.tooManyPending.problem("This person already has \(maxPending) requests waiting for a decision.")
    case .tooManyUnknownNumbers:
      throw IdPProblems.tooManyUnknownNumbers.problem("Too many requests for numbers without a profile; try again later.")
    case .quotaExceeded:
      throw PlanProblems.verificationQuotaExceeded.problem(
        "\(sp.name) has opened its plan's \(monthlyLimit ?? 0) verification requests this month (UTC).")
    case .unknownPhone, nil:
      return nil
    }
  }

  struct Open: PostgresPreparedStatement {
    static let sql = """
      SELECT outcome, transaction_id, user_id, created_at, expires_at
      FROM idp.open_request($1, $2, $3, $4, $5::integer, $6, $7, $8, $9::integer, $10, $11::integer, $12::integer,
                            $13::text::inet, $14::text, $15::integer)
      """

    enum Row {
      case created(id: UUID, userID: UUID, createdAt: Date, expiresAt: Date)
      case tooManyPending
      case tooManyUnknownNumbers
      case quotaExceeded
      case unknownPhone
    }

    let phoneNumber: String
    let spID: UUID
    let purpose: String
    let lifetime: Double
    let maxPending: Int
    let clientID: String
    let requestID: String?
    let spName: String
    let unknownNumbers: UnknownNumberLimits
    let owner: UUID?
    let ip: String?
    let userAgent: String?
    let monthlyLimit: Int?

    func makeBindings() throws -> PostgresBindings {
      var b = PostgresBindings()
      b.append(phoneNumber)
      b.append(spID)
      b.append(purpose)
      b.append(lifetime)
      b.append(maxPending)
      b.append(clientID)
      b.append(requestID)
      b.append(spName)
      b.append(unknownNumbers.perSP)
      b.append(owner)
      b.append(unknownNumbers.perOwner)
      b.append(unknownNumbers.perDeployment)
      b.append(ip)
      b.append(userAgent)
      b.append(monthlyLimit)
      return b
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
      let (outcome, id, userID, createdAt, expiresAt) = try row.decode((String, UUID?, UUID?, Date?, Date?).self)
      switch (outcome, id, userID, createdAt, expiresAt) {
      case ("created", let id?, let userID?, let createdAt?, let expiresAt?):
        return .created(id: id, userID: userID, createdAt: createdAt, expiresAt: expiresAt)
      case ("too_many_pending", _, _, _, _): return .tooManyPending
      case ("too_many_unknown_numbers", _, _, _, _): return .tooManyUnknownNumbers
      case ("quota_exceeded", _, _, _, _): return .quotaExceeded
      default: return .unknownPhone
      }
    }
  }

  /// A transaction as the SP that asked for it sees it; nil for any other SP.
  func status(id: UUID, spID: UUID) async throws -> VerificationStatus? {
    let rows = try await postgres.query(
      """
      SELECT status, created_at, expires_at, completed_at FROM idp.transactions WHERE id = \(id) AND sp_id = \(spID)
      """, logger: logger)
    for try await (status, created, expires, completed) in rows.decode((String, Date, Date, Date?).self) {
      return VerificationStatus(
        transactionID: id.uuidString.lowercased(), status: VerificationStatusName(rawValue: status) ?? .pending,
        createdAt: created, expiresAt: expires, completedAt: completed)
    }
    return nil
  }

  /// The JWE of a COMPLETED transaction, for the SP that asked, against its auth_code, once:
  /// the pull that takes it sets `result_pulled_at` in a conditional UPDATE with its
  /// `CI_DI_ACCESS` audit row, so of concurrent pulls exactly one gets it (migration 010).
  func result(id: UUID, sp: ServiceProvider, authCode: String, caller: Caller) async throws -> VerificationResult {
    let hash = ByteBuffer(bytes: ClientSecret.hash(authCode))
    let taken = try await postgres.transaction(logger: logger) { connection -> String? in
      var row: (String, UUID)?
      for try await found in try await connection.query(
        """
        UPDATE idp.transactions SET result_pulled_at = now()
        WHERE id = \(id) AND sp_id = \(sp.id) AND status = 'COMPLETED' AND auth_code_hash = \(hash) AND result_pulled_at IS NULL
        RETURNING result_jwe, user_id
        """, logger: logger
      ).decode((String, UUID).self) { row = found }
      guard let (jwe, userID) = row else { return nil }
      try await AuditEvent(
        action: "CI_DI_ACCESS", actorUserID: userID, clientID: sp.clientID, requestID: caller.requestID, client: caller.client,
        details: ["transaction_id": id.uuidString.lowercased(), "via": "result"]
      ).insert(on: connection, logger: logger)
      return jwe
    }
    if let taken { return VerificationResult(transactionID: id.uuidString.lowercased(), status: .completed, result: taken) }
    // Nothing changed; a plain read tells why.
    var found: (String, ByteBuffer?, Date?)?
    for try await row in try await postgres.query(
      """
      SELECT status, auth_code_hash, result_pulled_at FROM idp.transactions WHERE id = \(id) AND sp_id = \(sp.id)
      """, logger: logger
    ).decode((String, ByteBuffer?, Date?).self) { found = row }
    guard let (status, stored, pulledAt) = found else { throw Self.notFound }
    guard status == "COMPLETED", let stored else {
      throw IdPProblems.notCompleted.problem("The transaction is \(status).")
    }
    guard ClientSecret.matches(authCode, Array(stored.readableBytesView)) else {
      throw IdPProblems.invalidAuthCode.problem("auth_code is not this transaction's.", field: "auth_code")
    }
    throw IdPProblems.authCodeUsed.problem(
      "This auth_code's result was pulled \(pulledAt.map { "at \($0.formatted(.iso8601))" } ?? "already"); an auth_code is good once.")
  }

  func inbox(userID: UUID) async throws -> [InboxItem] {
    let rows = try await postgres.query(
      """
      SELECT t.id, sp.name, t.purpose, t.created_at, t.expires_at
      FROM idp.transactions t JOIN idp.service_providers sp ON sp.id = t.sp_id
      WHERE t.user_id = \(userID) AND t.status = 'PENDING' AND t.expires_at > now()
      ORDER BY t.created_at DESC LIMIT 50
      """, logger: logger)
    var items: [InboxItem] = []
    for try await (id, name, purpose, created, expires) in rows.decode((UUID, String, String, Date, Date).self) {
      items.append(
        InboxItem(
          transactionID: id.uuidString.lowercased(), serviceProvider: name, purpose: purpose,
          createdAt: created, expiresAt: expires))
    }
    return items
  }

  static let notFound = IdPProblems.transactionNotFound.problem("No such transaction.")
}
