import Foundation
import Logging
import PostgresNIO
import Shared

/// One mail to send about an account, as a row of `token.outbox` on queue `token.mail`, written in
/// the transaction of the change it follows from (docs/recovery.md). It carries no secret: the
/// link's token is made when the mail goes out (MailDelivery), in the transaction that sends it.
struct AccountMailJob: Codable, Sendable, Equatable {
  enum Kind: String, Codable, Sendable {
    /// The link that proves `email` (the account's address, or the one waiting to replace it);
    /// without `userID`, for the account at `email` if there is one and it is unverified.
    case verifyEmail = "verify_email"
    /// Someone asked to reset the password of the account at `email`, if there is one: the
    /// request path writes only this row, so a known and an unknown address cost the same.
    case resetRequested = "reset_requested"
    /// The password was reset: the account's address is told.
    case passwordReset = "password_reset"
    /// A change of address was asked for: the current one (`email`) is told at once, so a change
    /// someone else started is seen before its link is opened.
    case emailChangeRequested = "email_change_requested"
    /// The address changed: the old one (`email`) is told.
    case emailChanged = "email_changed"
    /// An admin invited `email` to the service (`invitationID`): the link makes the account.
    case invitation
  }

  var kind: Kind
  var userID: UUID?
  var email: String
  var serviceID: UUID?
  var requestID: String?
  var ip: String?
  var invitationID: UUID?

  enum CodingKeys: String, CodingKey {
    case kind, email, ip
    case userID = "user_id"
    case serviceID = "service_id"
    case requestID = "request_id"
    case invitationID = "invitation_id"
  }
}

/// Where account mail is queued: `token.outbox`, then Redis. Nil (no mail) when the deployment
/// has no SMTP server (`GATEHOUSE_SMTP_HOST` unset).
struct MailOutbox: Sendable {
  static let queue = JobQueue("token.mail")

  let outbox: Outbox
  let redis: RedisClient
  let logger: Logger

  /// The row, inside the caller's transaction; `dispatch` it after the commit.
  func add(_ job: AccountMailJob, on connection: PostgresConnection) async throws -> OutboxJob {
    try await outbox.add(job, to: Self.queue, on: connection, logger: logger)
  }

  /// Hands committed jobs to Redis; a failure only delays them until the sweeper's next pass.
  func dispatch(_ jobs: [OutboxJob]) async {
    for job in jobs { await outbox.dispatch(job, redis: redis, logger: logger) }
  }
}
