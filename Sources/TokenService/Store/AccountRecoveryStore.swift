import Foundation
import Logging
import PostgresNIO
import Shared

/// What the mailed links do to `token.users` (docs/recovery.md), each in one transaction with the
/// spent token, the audit row and the mail that follows.
struct AccountRecoveryStore: Sendable {
  let postgres: Database
  let tokens: EmailTokenStore
  let mail: MailOutbox
  let logger: Logger

  /// Queues `job` alone (a forgotten password, a verification mail asked again).
  func queue(_ job: AccountMailJob) async throws {
    let queued = try await postgres.transaction(logger: logger) { connection in try await mail.add(job, on: connection) }
    await mail.dispatch([queued])
  }

  /// Sets `pending_email` and queues its verification mail, with the audit row; `email_taken`
  /// when another account has the address (checked again when the link is opened).
  func changeEmail(userID: UUID, from current: String, to email: String, serviceID: UUID?, client: ClientInfo, requestID: String?)
    async throws
  {
    let jobs = try await postgres.transaction(logger: logger) { connection in
      let taken = try await connection.query(
        "SELECT 1 FROM token.users WHERE lower(email) = lower(\(email)) AND id <> \(userID)", logger: logger
      ).collect()
      guard taken.isEmpty else { throw AccountProblems.emailTaken.problem("That e-mail address is in use.", field: "email") }
      _ = try await connection.query(
        "UPDATE token.users SET pending_email = \(email), updated_at = now() WHERE id = \(userID)", logger: logger
      ).collect()
      try await AuditEvent(
        action: "EMAIL_CHANGE_REQUESTED", actorUserID: userID, serviceID: serviceID, requestID: requestID, client: client,
        details: ["email": email]
      ).insert(on: connection, logger: logger)
      return [
        try await mail.add(
          AccountMailJob(kind: .verifyEmail, userID: userID, email: email, serviceID: serviceID, requestID: requestID), on: connection),
        try await mail.add(
          AccountMailJob(kind: .emailChangeRequested, userID: userID, email: current, serviceID: serviceID, requestID: requestID),
          on: connection),
      ]
    }
    await mail.dispatch(jobs)
  }

  /// Spends a `verify_email` token: the address it proves becomes the account's verified address
  /// (replacing the old one, which is told, when it was a change). Returns the address and the
  /// slug of the service the mail spoke for.
  func verifyEmail(token: String, client: ClientInfo, requestID: String?) async throws -> (String, String?) {
    let (result, jobs) = try await postgres.transaction(logger: logger) { connection in
      let spent = try await tokens.spend(token, .verifyEmail, on: connection)
      var account: (String, String?)?
      for try await row in try await connection.query(
        "SELECT email, pending_email FROM token.users WHERE id = \(spent.userID) FOR UPDATE", logger: logger
      ).decode((String, String?).self) {
        account = row
      }
      guard let (current, pending) = account else { throw RecoveryProblems.linkUsed.problem("This account no longer exists.") }
      var jobs: [OutboxJob] = []
      if let pending, pending.lowercased() == spent.email.lowercased() {
        do {
          _ = try await connection.query(
            """
            UPDATE token.users SET email = pending_email, pending_email = NULL, email_verified = true, updated_at = now()
            WHERE id = \(spent.userID)
            """, logger: logger
          ).collect()
        } catch let error as PSQLError {
          throw AccountStore.conflict(from: error) ?? error
        }
        jobs.append(
          try await mail.add(
            AccountMailJob(kind: .emailChanged, userID: spent.userID, email: current, serviceID: spent.serviceID, requestID: requestID),
            on: connection))
      } else if current.lowercased() == spent.email.lowercased() {
        _ = try await connection.query(
          "UPDATE token.users SET email_verified = true, updated_at = now() WHERE id = \(spent.userID)", logger: logger
        ).collect()
      } else {
        throw RecoveryProblems.linkUsed.problem("The account's address changed since this link was sent.")
      }
      try await AuditEvent(
        action: "EMAIL_VERIFIED", actorUserID: spent.userID, serviceID: spent.serviceID, requestID: requestID, client: client,
        details: ["email": spent.email, "changed": pending == nil ? "false" : "true"]
      ).insert(on: connection, logger: logger)
      return ((spent.email, try await slug(of: spent.serviceID, on: connection)), jobs)
    }
    await mail.dispatch(jobs)
    return result
  }

  /// What a password reset did: the account's id, its new token version, how many sessions ended,
  /// and the slug of the service the mail spoke for.
  struct ResetOutcome: Sendable {
    let userID: UUID
    let tokenVersion: Int
    let sessionsEnded: Int
    let service: String?
  }

  /// Spends a `reset_password` token: the new hash, a higher token version (every access token
  /// stops verifying), every session and browser session ended, lock-outs forgotten, the
  /// address verified (the link proved it), the audit row and the mail that tells the person.
  func resetPassword(token: String, passwordHash: String, client: ClientInfo, requestID: String?) async throws -> ResetOutcome {
    let (outcome, job) = try await postgres.transaction(logger: logger) { connection in
      let spent = try await tokens.spend(token, .resetPassword, on: connection)
      var changed: (Int, String)?
      for try await row in try await connection.query(
        """
        UPDATE token.users SET password_hash = \(passwordHash), token_version = token_version + 1,
               email_verified = email_verified OR lower(email) = lower(\(spent.email)), updated_at = now()
        WHERE id = \(spent.userID) AND is_active RETURNING token_version, email
        """, logger: logger
      ).decode((Int, String).self) {
        changed = row
      }
      guard let (version, email) = changed else { throw RecoveryProblems.linkUsed.problem("This account can no longer sign in.") }
      let ended = try await AccountStore.endEverySession(of: spent.userID, reason: "password_reset", on: connection, logger: logger)
      try await AuditEvent(
        action: "PASSWORD_RESET", actorUserID: spent.userID, serviceID: spent.serviceID, requestID: requestID, client: client,
        details: ["sessions_ended": String(ended), "ip": client.ip ?? ""]
      ).insert(on: connection, logger: logger)
      let job = try await mail.add(
        AccountMailJob(
          kind: .passwordReset, userID: spent.userID, email: email, serviceID: spent.serviceID, requestID: requestID, ip: client.ip),
        on: connection)
      let service = try await slug(of: spent.serviceID, on: connection)
      return (ResetOutcome(userID: spent.userID, tokenVersion: version, sessionsEnded: ended, service: service), job)
    }
    await mail.dispatch([job])
    return outcome
  }

  private func slug(of serviceID: UUID?, on connection: PostgresConnection) async throws -> String? {
    guard let serviceID else { return nil }
    for try await slug in try await connection.query(
      "SELECT slug FROM token.services WHERE id = \(serviceID) AND deleted_at IS NULL", logger: logger
    ).decode(String.self) {
      return slug
    }
    return nil
  }
}
