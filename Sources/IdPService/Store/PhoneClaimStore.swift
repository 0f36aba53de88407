import Foundation
import Logging
import PostgresNIO
import Shared

/// `idp.phone_claims` (migration 014): a number someone asked for, until its code proves it. Each
/// change commits with its audit row; a new claim commits with its SMS in `idp.outbox`. Claims of
/// one person, and codes to one number, are serialised by transaction-scoped advisory locks
/// (two-key form, classes of their own), so concurrent calls cannot slip under a limit or prove twice.
struct PhoneClaimStore: Sendable {
  let postgres: Database
  let outbox: Outbox
  let logger: Logger

  private static let personLock: Int32 = 22_031
  private static let numberLock: Int32 = 22_032

  struct NewClaim: Sendable {
    let id: UUID
    let userID: UUID
    let phoneNumber: String
    let codeHash: [UInt8]
    let lifetime: Duration
    /// For a person without a profile: the profile made with the claim (its number comes with the proof).
    let newProfile: NewProfile?
  }

  struct NewProfile: Sendable {
    let pinVerifier: [UInt8]
    let ci: IdentityVault.SealedCI
  }

  /// Who asked, for the audit rows.
  /// Opens `claim` (replacing the person's pending one) with the SMS job `message` in the outbox,
  /// unless `rules` refuse another code for the number or the person (the 429 is thrown and
  /// nothing is written). Returns when the code expires and the job to dispatch after commit.
  func open(_ claim: NewClaim, message: some Encodable & Sendable, rules: PhoneCodeRules, caller: Caller) async throws -> (Date, OutboxJob)
  {
    try await postgres.transaction(logger: logger) { connection in
      try await lock(Self.personLock, claim.userID.uuidString.lowercased(), on: connection)
      try await lock(Self.numberLock, claim.phoneNumber, on: connection)
      let (number, person) = try await usage(of: claim, rules: rules, on: connection)
      if let refusal = rules.refusal(number: number, user: person) { throw refusal }
      if let profile = claim.newProfile {
        let inserted = try await connection.query(
          """
          INSERT INTO idp.identity_profiles (user_id, phone_number, pin_verifier, ci_sealed, ci_key_version, ci_blind_index)
          VALUES (\(claim.userID), NULL, \(ByteBuffer(bytes: profile.pinVerifier)), \(ByteBuffer(bytes: profile.ci.value.sealed)),
                  \(profile.ci.value.keyVersion), \(ByteBuffer(bytes: profile.ci.blindIndex)))
          ON CONFLICT (user_id) DO NOTHING RETURNING user_id
          """, logger: logger
        ).collect()
        if !inserted.isEmpty {
          try await AuditEvent(action: "IDP_PROFILE_CREATED", actorUserID: claim.userID, requestID: caller.requestID, client: caller.client)
            .insert(on: connection, logger: logger)
        }
      }
      let replaced = try await connection.query(
        """
        UPDATE idp.phone_claims SET status = 'REPLACED', decided_at = now() WHERE user_id = \(claim.userID) AND status = 'PENDING'
        RETURNING id
        """, logger: logger
      ).collect().count
      let rows = try await connection.query(
        """
        INSERT INTO idp.phone_claims (id, user_id, phone_number, code_hash, expires_at)
        VALUES (\(claim.id), \(claim.userID), \(claim.phoneNumber), \(ByteBuffer(bytes: claim.codeHash)),
                now() + make_interval(secs => \(Double(claim.lifetime.milliseconds) / 1000)))
        RETURNING expires_at
        """, logger: logger)
      var expiresAt = Date()
      for try await expiry in rows.decode(Date.self) { expiresAt = expiry }
      let job = try await outbox.add(message, to: SMSDelivery.queue, on: connection, logger: logger)
      try await AuditEvent(
        action: "IDP_PHONE_CLAIM_CREATED", actorUserID: claim.userID, requestID: caller.requestID, client: caller.client,
        details: [
          "user_phone_number": PhoneNumber.masked(claim.phoneNumber), "claim_id": claim.id.uuidString.lowercased(),
          "replaced_claims": String(replaced),
        ]
      )
      .insert(on: connection, logger: logger)
      return (expiresAt, job)
    }
  }

  enum Proof: Sendable, Equatable {
    case noClaim, alreadyProven, dead, expired
    /// A wrong code, counted; none left: the claim is dead now.
    case wrongCode(attemptsLeft: Int)
    /// The number is the person's; `released` other profiles lost it.
    case proven(released: Int)
  }

  /// Checks a code against the person's latest claim (`matches`: the claim id and stored hash),
  /// and counts a wrong one or makes the number the person's, in one transaction with its audit
  /// rows. The number leaves any other profile that held it: the most recent proof wins.
  func prove(userID: UUID, maxAttempts: Int, caller: Caller, matches: @Sendable (UUID, [UInt8]) -> Bool) async throws -> Proof {
    try await postgres.transaction(logger: logger) { connection in
      try await lock(Self.personLock, userID.uuidString.lowercased(), on: connection)
      guard let claim = try await latestClaim(userID: userID, on: connection), claim.status != "REPLACED" else { return .noClaim }
      switch claim.status {
      case "PROVEN": return .alreadyProven
      case "DEAD": return .dead
      default: break
      }
      if claim.expired { return .expired }
      guard matches(claim.id, claim.hash) else {
        return try await countWrongCode(claim, userID: userID, maxAttempts: maxAttempts, caller: caller, on: connection)
      }
      return .proven(released: try await grantNumber(claim, userID: userID, caller: caller, on: connection))
    }
  }

  private struct Claim {
    let id: UUID
    let phone: String
    let hash: [UInt8]
    let attempts: Int
    let status: String
    let expired: Bool
  }

  private func latestClaim(userID: UUID, on connection: PostgresConnection) async throws -> Claim? {
    let rows = try await connection.query(
      """
      SELECT id, phone_number, code_hash, attempts, status, expires_at <= now()
      FROM idp.phone_claims WHERE user_id = \(userID) ORDER BY created_at DESC LIMIT 1
      """, logger: logger)
    var latest: Claim?
    for try await (id, phone, hash, attempts, status, expired) in rows.decode((UUID, String, ByteBuffer, Int, String, Bool).self) {
      latest = Claim(id: id, phone: phone, hash: Array(hash.readableBytesView), attempts: attempts, status: status, expired: expired)
    }
    return latest
  }

  /// A wrong code counts against the claim, which dies at `maxAttempts`, with its audit row.
  private func countWrongCode(
    _ claim: Claim, userID: UUID, maxAttempts: Int, caller: Caller,
    on connection: PostgresConnection
  ) async throws -> Proof {
    let attempts = claim.attempts + 1
    let dead = attempts >= maxAttempts
    _ = try await connection.query(
      """
      UPDATE idp.phone_claims SET attempts = \(attempts),
             status = CASE WHEN \(dead) THEN 'DEAD' ELSE status END, decided_at = CASE WHEN \(dead) THEN now() END
      WHERE id = \(claim.id)
      """, logger: logger
    ).collect()
    try await AuditEvent(
      action: dead ? "IDP_PHONE_CLAIM_DEAD" : "IDP_PHONE_CODE_WRONG", actorUserID: userID, requestID: caller.requestID,
      client: caller.client,
      details: [
        "user_phone_number": PhoneNumber.masked(claim.phone), "claim_id": claim.id.uuidString.lowercased(),
        "attempts": String(attempts),
      ]
    )
    .insert(on: connection, logger: logger)
    return .wrongCode(attemptsLeft: max(0, maxAttempts - attempts))
  }

  /// The proven number becomes the person's, taken from anyone who held it, each change with its
  /// audit row. Returns how many people it was taken from.
  private func grantNumber(_ claim: Claim, userID: UUID, caller: Caller, on connection: PostgresConnection) async throws -> Int {
    let masked = PhoneNumber.masked(claim.phone)
    try await lock(Self.numberLock, claim.phone, on: connection)
    let released = try await connection.query(
      """
      UPDATE idp.identity_profiles SET phone_number = NULL, phone_verified_at = NULL, updated_at = now()
      WHERE phone_number = \(claim.phone) AND user_id <> \(userID)
      RETURNING user_id
      """, logger: logger)
    var previous: [UUID] = []
    for try await holder in released.decode(UUID.self) { previous.append(holder) }
    for holder in previous {
      try await AuditEvent(
        action: "IDP_PHONE_NUMBER_RELEASED", actorUserID: userID, requestID: caller.requestID, client: caller.client,
        details: [
          "user_phone_number": masked, "released_from_user_id": holder.uuidString.lowercased(),
          "reason": "proven by another person",
        ]
      )
      .insert(on: connection, logger: logger)
    }
    _ = try await connection.query(
      """
      UPDATE idp.identity_profiles SET phone_number = \(claim.phone), phone_verified_at = now(), updated_at = now()
      WHERE user_id = \(userID)
      """, logger: logger
    ).collect()
    _ = try await connection.query(
      """
      UPDATE idp.phone_claims SET status = 'PROVEN', attempts = attempts + 1, decided_at = now() WHERE id = \(claim.id)
      """, logger: logger
    ).collect()
    try await AuditEvent(
      action: "IDP_PHONE_NUMBER_VERIFIED", actorUserID: userID, requestID: caller.requestID, client: caller.client,
      details: ["user_phone_number": masked, "claim_id": claim.id.uuidString.lowercased()]
    )
    .insert(on: connection, logger: logger)
    return previous.count
  }

  /// The person's pending claim, for their profile view.
  func pending(userID: UUID) async throws -> (phone: String, expiresAt: Date, attempts: Int)? {
    let rows = try await postgres.query(
      """
      SELECT phone_number, expires_at, attempts FROM idp.phone_claims
      WHERE user_id = \(userID) AND status = 'PENDING' AND expires_at > now() ORDER BY created_at DESC LIMIT 1
      """, logger: logger)
    for try await (phone, expiresAt, attempts) in rows.decode((String, Date, Int).self) { return (phone, expiresAt, attempts) }
    return nil
  }

  // MARK: the SMS

  enum Delivery: Sendable {
    /// Send it: the claim waits for its code.
    case send(userID: UUID)
    /// Its code expired unsent (the message is dead), or the claim needs no message any more.
    case expired(userID: UUID)
    case moot
  }

  /// Whether the SMS of `claimID` should still go out.
  func delivery(of claimID: UUID, on connection: PostgresConnection) async throws -> Delivery {
    let rows = try await connection.query(
      """
      SELECT user_id, status, sms_status, expires_at <= now() FROM idp.phone_claims WHERE id = \(claimID)
      """, logger: logger)
    for try await (userID, status, sms, expired) in rows.decode((UUID, String, String, Bool).self) {
      guard status == "PENDING", sms == "PENDING" else { return .moot }
      return expired ? .expired(userID: userID) : .send(userID: userID)
    }
    return .moot
  }

  /// Records the SMS as sent (`failure` nil) or dead, with its audit row, on the delivery job's connection.
  func recordSMS(of claimID: UUID, userID: UUID, failure: String?, on connection: PostgresConnection) async throws {
    _ = try await connection.query(
      """
      UPDATE idp.phone_claims SET sms_status = \(failure == nil ? "SENT" : "DEAD") WHERE id = \(claimID) AND sms_status = 'PENDING'
      """, logger: logger
    ).collect()
    var details = ["claim_id": claimID.uuidString.lowercased()]
    if let failure { details["reason"] = failure }
    try await AuditEvent(
      action: failure == nil ? "IDP_PHONE_CODE_SENT" : "IDP_PHONE_CODE_DEAD_LETTERED", actorUserID: userID, details: details
    )
    .insert(on: connection, logger: logger)
  }

  // MARK: helpers

  private func lock(_ lockClass: Int32, _ key: String, on connection: PostgresConnection) async throws {
    _ = try await connection.query("SELECT pg_advisory_xact_lock(\(lockClass), hashtext(\(key)))::text", logger: logger).collect()
  }

  /// Codes sent to the claim's number, and to its person, within each limit's period.
  private func usage(of claim: NewClaim, rules: PhoneCodeRules, on connection: PostgresConnection)
    async throws -> (number: PhoneCodeRules.Usage, person: PhoneCodeRules.Usage)
  {
    let numberPeriod = Double(rules.perNumber.period.milliseconds) / 1000
    let personPeriod = Double(rules.perUser.period.milliseconds) / 1000
    let rows = try await connection.query(
      """
      SELECT count(*) FILTER (WHERE phone_number = \(claim.phoneNumber)
          AND created_at > now() - make_interval(secs => \(numberPeriod)))::int8,
             extract(epoch FROM now() - min(created_at) FILTER (
                 WHERE phone_number = \(claim.phoneNumber) AND created_at > now() - make_interval(secs => \(numberPeriod))))::float8,
             count(*) FILTER (WHERE user_id = \(claim.userID) AND created_at > now() - make_interval(secs => \(personPeriod)))::int8,
             extract(epoch FROM now() - min(created_at) FILTER (
                 WHERE user_id = \(claim.userID) AND created_at > now() - make_interval(secs => \(personPeriod))))::float8
      FROM idp.phone_claims WHERE phone_number = \(claim.phoneNumber) OR user_id = \(claim.userID)
      """, logger: logger)
    func age(_ seconds: Double?) -> Duration? { seconds.map { .milliseconds(Int64($0 * 1000)) } }
    for try await (numberCount, numberOldest, personCount, personOldest) in rows.decode((Int, Double?, Int, Double?).self) {
      return (
        PhoneCodeRules.Usage(count: numberCount, oldestAge: age(numberOldest)),
        PhoneCodeRules.Usage(count: personCount, oldestAge: age(personOldest))
      )
    }
    return (PhoneCodeRules.Usage(count: 0, oldestAge: nil), PhoneCodeRules.Usage(count: 0, oldestAge: nil))
  }
}
