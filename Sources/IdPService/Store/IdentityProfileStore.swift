import Foundation
import Logging
import PostgresNIO
import Shared

/// `idp.identity_profiles`: phone number, PIN verifier and lock-out, sealed CI.
struct IdentityProfileStore: Sendable {
  let postgres: Database
  let logger: Logger

  struct Row: Sendable {
    let userID: UUID
    /// The proven number (or one set before numbers were proven, migration 014); nil until one is.
    let phoneNumber: String?
    let pinVerifier: [UInt8]
    let pinLockedUntil: Date?
    let createdAt: Date
    let updatedAt: Date

    var view: IdentityProfileView { IdentityProfileView(userPhoneNumber: phoneNumber, createdAt: createdAt, updatedAt: updatedAt) }
  }

  func profile(userID: UUID) async throws -> Row? {
    let rows = try await postgres.query(
      """
      SELECT user_id, phone_number, pin_verifier, CASE WHEN pin_locked_until > now() THEN pin_locked_until END, created_at, updated_at
      FROM idp.identity_profiles WHERE user_id = \(userID)
      """, logger: logger)
    for try await (id, phone, verifier, locked, created, updated) in rows.decode((UUID, String?, ByteBuffer, Date?, Date, Date).self) {
      return Row(
        userID: id, phoneNumber: phone, pinVerifier: Array(verifier.readableBytesView), pinLockedUntil: locked,
        createdAt: created, updatedAt: updated)
    }
    return nil
  }

  func setPin(userID: UUID, verifier: [UInt8], caller: Caller) async throws {
    try await postgres.transaction(logger: logger) { connection in
      _ = try await connection.query(
        """
        UPDATE idp.identity_profiles SET pin_verifier = \(ByteBuffer(bytes: verifier)), pin_failures = 0, pin_first_failed_at = NULL,
               pin_locked_until = NULL, updated_at = now()
        WHERE user_id = \(userID)
        """, logger: logger
      ).collect()
      try await AuditEvent(action: "IDP_PIN_CHANGED", actorUserID: userID, requestID: caller.requestID, client: caller.client)
        .insert(on: connection, logger: logger)
    }
  }

  /// The fifth wrong PIN within 10 minutes locks PIN approval for 30 minutes.
  static let pinLockOut = FailureLockOut(
    limit: 5, windowMinutes: 10, lockMinutes: 30,
    failures: "pin_failures", firstFailedAt: "pin_first_failed_at", lockedUntil: "pin_locked_until")

  /// Counts a wrong PIN (`pinLockOut`) on the caller's connection, so it commits with whatever
  /// else the refusal changes. Returns the lock's end, if locked.
  func recordWrongPin(userID: UUID, on connection: PostgresConnection) async throws -> Date? {
    let rows = try await connection.query(
      """
      UPDATE idp.identity_profiles SET \(unescaped: Self.pinLockOut.countFailure)
      WHERE user_id = \(userID)
      RETURNING \(unescaped: Self.pinLockOut.activeLock)
      """, logger: logger)
    var locked: Date?
    for try await until in rows.decode(Date?.self) { locked = until }
    return locked
  }

  /// The account is gone (docs/leaving.md): its profile (CI, DI, number, PIN verifier), its
  /// number claims and the notices pushed to it go. Its decided transactions stay with the
  /// service providers' records, naming an id that now maps to no one.
  func erase(userID: UUID, requestID: String?) async throws -> AccountErased {
    try await postgres.eraseAccount(
      userID, action: "IDENTITY_PROFILE_ERASED", requestID: requestID, logger: logger,
      deletes: [
        "DELETE FROM idp.notifications WHERE user_id = \(userID) RETURNING 1",
        "DELETE FROM idp.phone_claims WHERE user_id = \(userID) RETURNING 1",
        "DELETE FROM idp.identity_profiles WHERE user_id = \(userID) RETURNING 1",
      ])
  }
}

enum PhoneNumber {
  /// `010-1234-5678` style: the form docs/idp.md uses and the column's CHECK enforces.
  static func check(_ number: String) throws(Problem) {
    // 01[016789]-[0-9]{3,4}-[0-9]{4}, checked by hand: a regex literal is compiled on every
    // call, and this runs on every verification request.
    let parts = number.utf8.split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false)
    func digits(_ part: Substring.UTF8View) -> Bool { part.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) } }
    guard parts.count == 3, parts[0].count == 3, parts[0].starts(with: "01".utf8), let carrier = parts[0].last,
      "016789".utf8.contains(carrier),
      (3...4).contains(parts[1].count), digits(parts[1]), parts[2].count == 4, digits(parts[2])
    else {
      throw RequestProblems.invalidField.problem("A phone number is written like 010-1234-5678.", field: "user_phone_number")
    }
  }

  /// `010-****-5678`: how a number appears to anyone but its owner.
  static func masked(_ number: String) -> String {
    let parts = number.split(separator: "-")
    guard parts.count == 3 else { return "***" }
    return "\(parts[0])-\(String(repeating: "*", count: parts[1].count))-\(parts[2])"
  }
}
