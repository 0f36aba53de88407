import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Shared

/// Sends account mail (docs/recovery.md): each `token.outbox` row on `token.mail` is completed
/// once; the row stays locked while its mail is sent, so a duplicate delivery waits and then
/// skips it. What the mail needs (its link's token, its audit row) is committed in a transaction
/// of its own before the mail leaves, so whoever opens the link at once finds it. The link is
/// derived from the outbox row, never drawn at random: a mail the SMTP server took before a
/// timeout is tried again with the same link, so no mail that arrived carries a dead one. A row
/// whose mail no longer makes sense (the address verified meanwhile, no account at a forgotten
/// address) is completed without a mail.
struct MailDelivery: Sendable {
  let outbox: Outbox
  let postgres: Database
  let recipients: MailRecipientStore
  let tokens: EmailTokenStore
  let composer: MailComposer
  let smtp: SMTPClient
  let settings: MailSettings
  /// The gateway's public address, for the links.
  let issuer: String
  /// Derives an invitation's link from its id (`invitation`).
  let keyRing: MasterKeyRing
  let logger: Logger

  func handle(_ job: Job) async throws {
    let payload = try job.decode(AccountMailJob.self)
    var logger = self.logger
    logger[metadataKey: "mail"] = "\(payload.kind.rawValue)"
    let link = Base64URL.encode(keyRing.blindIndex(Array(job.id.lowercased().utf8), purpose: "token.mail_link"))
    try await outbox.complete(job, client: postgres, logger: logger) { connection in
      let prepared = try await postgres.transaction(logger: logger) { own in try await prepare(payload, link: link, on: own) }
      guard let (message, userID) = prepared else {
        logger.debug("mail not needed any more")
        return
      }
      do throws(MailSendFailure) {
        try await smtp.send(message)
        logger.info("mail sent", metadata: ["attempt": "\(job.attempt)"])
      } catch let failure {
        // A passing failure rolls the transaction back (the link's token with it) and is tried again.
        guard failure.permanent else { throw failure }
        try await AuditEvent(
          action: "MAIL_DEAD_LETTERED", actorUserID: userID, serviceID: payload.serviceID, requestID: payload.requestID,
          details: ["kind": payload.kind.rawValue, "reason": failure.reason, "attempt": String(job.attempt)]
        ).insert(on: connection, logger: logger)
        logger.warning("mail refused for good", metadata: ["reason": "\(failure.reason)"])
      }
    }
  }

  /// The message and the account it is about, with the link's token `link` issued and the audit
  /// row written on `connection` (once: a retry finds them there); nil when there is nothing to send.
  private func prepare(_ job: AccountMailJob, link token: String, on connection: PostgresConnection) async throws -> (
    MailMessage, UUID?
  )? {
    if job.kind == .invitation { return try await invitation(job, on: connection) }
    var found: MailRecipientStore.Recipient?
    // Asked for by address (a forgotten password, a verification mail asked without signing in).
    if job.kind == .resetRequested || job.userID == nil {
      found = try await recipients.recipient(email: job.email, on: connection)
    } else if let userID = job.userID {
      found = try await recipients.recipient(id: userID, on: connection)
    }
    guard let recipient = found else { return nil }
    var content = MailComposer.Content(
      kind: job.kind, language: recipient.language,
      values: ["name": recipient.name, "service": try await recipients.serviceName(job.serviceID, on: connection)])
    var audit: (String, [String: String])?
    switch job.kind {
    case .verifyEmail:
      let proving = job.email.lowercased()
      guard proving == recipient.pendingEmail?.lowercased() || (proving == recipient.email.lowercased() && !recipient.emailVerified)
      else { return nil }
      let issued = try await tokens.issue(
        token, .verifyEmail, userID: recipient.userID, email: job.email, serviceID: job.serviceID, on: connection)
      content.values["email"] = job.email
      content.link = "\(issuer)/email/verify?token=\(token)"
      if issued { audit = ("EMAIL_VERIFICATION_SENT", ["email": job.email]) }
    case .resetRequested:
      let issued = try await tokens.issue(
        token, .resetPassword, userID: recipient.userID, email: recipient.email, serviceID: job.serviceID, on: connection)
      content.values["email"] = recipient.email
      content.link = "\(issuer)/password/reset?token=\(token)"
      if issued { audit = ("PASSWORD_RESET_REQUESTED", ["ip": job.ip ?? ""]) }
    case .passwordReset:
      content.values["time"] = InternetTime.format(Date())
      content.values["ip"] = job.ip ?? "?"
    case .emailChanged:
      content.values["old"] = job.email
      content.values["new"] = recipient.email
    case .invitation:
      return nil
    case .emailChangeRequested:
      guard let pending = recipient.pendingEmail else { return nil }
      content.values["new"] = pending
    }
    if let (action, details) = audit {
      try await AuditEvent(
        action: action, actorUserID: recipient.userID, serviceID: job.serviceID, requestID: job.requestID, details: details
      ).insert(on: connection, logger: logger)
    }
    // Notices go to the address named in the job (the old one, after a change); the rest to the one proved or on file.
    let address = job.kind == .resetRequested ? recipient.email : job.email
    return (composer.message(to: address, content), recipient.userID)
  }

  /// An invitation's mail (docs/admin.md, "Members"): to an address that may have no account
  /// yet, in Korean (the product's first language) with the service's name and the role; nil once
  /// the invitation was accepted or has expired.
  private func invitation(_ job: AccountMailJob, on connection: PostgresConnection) async throws -> (MailMessage, UUID?)? {
    // The link is derived from the invitation, so every mail of one invitation carries the same.
    guard let id = job.invitationID else { return nil }
    let token = Base64URL.encode(keyRing.blindIndex(Array(id.uuidString.lowercased().utf8), purpose: "token.invitation_link"))
    guard let role = try await InvitationStore.issueToken(token, for: id, on: connection, logger: logger) else { return nil }
    var content = MailComposer.Content(
      kind: .invitation, language: "ko",
      values: [
        "name": String(job.email.prefix { $0 != "@" }), "service": try await recipients.serviceName(job.serviceID, on: connection),
        "email": job.email, "role": role,
      ])
    content.link = "\(issuer)/invitations/accept?token=\(token)"
    return (composer.message(to: job.email, content), nil)
  }

  /// The job worker for `token.mail` and the sweeper of `token.outbox`.
  func services(_ context: BackendContext) -> [any Service] {
    context.outboxDelivery(queue: MailOutbox.queue, outbox: outbox, maxAttempts: settings.maxAttempts, retryBase: settings.retryBase) {
      job in try await handle(job)
    }
  }
}
