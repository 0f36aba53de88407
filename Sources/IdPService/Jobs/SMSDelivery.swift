import Foundation
import Logging
import ServiceLifecycle
import Shared

/// Sends the codes that prove phone numbers. A claim's SMS is a row of `idp.outbox` written with
/// the claim; a job on `gh:jobs:{idp.sms}` says "send it", and `Outbox.complete` makes each
/// message go out at most once per success (a duplicate finds the row done). A failed send is
/// retried with back-off (`GATEHOUSE_SMS_MAX_ATTEMPTS`, from `GATEHOUSE_SMS_RETRY_BASE_MS`); after
/// the last attempt, or once the code has expired, the message is dead (`IDP_PHONE_CODE_DEAD_LETTERED`)
/// and the person asks for a new code. A Redis flush loses nothing: the outbox sweeper hands the
/// row out again, and a code that expired meanwhile is not sent late.
struct SMSDelivery: Sendable {
  static let queue = JobQueue("idp.sms")

  let outbox: Outbox
  let claims: PhoneClaimStore
  let codes: PhoneCodes
  let settings: SMSSettings
  let rules: PhoneCodeRules
  let logger: Logger

  /// The outbox payload: the number and the code sealed to its claim (never the code in clear).
  struct Payload: Codable, Sendable {
    let claimID: UUID
    let to: String
    let sealedCode: String
    let keyVersion: Int

    enum CodingKeys: String, CodingKey {
      case claimID = "claim_id"
      case to
      case sealedCode = "sealed_code"
      case keyVersion = "key_version"
    }
  }

  func handle(_ job: Job) async throws {
    let payload = try job.decode(Payload.self)
    var logger = self.logger
    logger[metadataKey: "claim_id"] = "\(payload.claimID)"
    try await outbox.complete(job, client: claims.postgres, logger: logger) { connection in
      switch try await claims.delivery(of: payload.claimID, on: connection) {
      case .moot:
        return
      case .expired(let userID):
        try await claims.recordSMS(of: payload.claimID, userID: userID, failure: "the code expired before it was sent", on: connection)
        logger.warning("SMS dead: its code expired before it was sent")
      case .send(let userID):
        guard let sealed = Base64URL.decode(payload.sealedCode) else { throw SMSSendFailure(reason: "unreadable outbox payload") }
        let code = try codes.open(EncryptedValue(keyVersion: payload.keyVersion, sealed: sealed), claimID: payload.claimID)
        do {
          try await settings.sender.send(SMSMessage(to: payload.to, text: PhoneCodes.message(code: code, validFor: rules.lifetime)))
        } catch {
          let reason = (error as? SMSSendFailure)?.reason ?? OutboundFailure.connectionFailed
          guard job.attempt >= settings.maxAttempts else {
            throw SMSSendFailure(reason: reason)  // retried by the job worker
          }
          try await claims.recordSMS(of: payload.claimID, userID: userID, failure: reason, on: connection)
          logger.warning("SMS dead after its last attempt", metadata: ["attempt": "\(job.attempt)", "error": "\(reason)"])
          return
        }
        try await claims.recordSMS(of: payload.claimID, userID: userID, failure: nil, on: connection)
        logger.info("SMS sent", metadata: ["attempt": "\(job.attempt)", "to": "\(PhoneNumber.masked(payload.to))"])
      }
    }
  }

  /// The job worker for `queue`, retrying as `settings` say, and the sweeper for `idp.outbox`
  /// (codes are few: 3 per number, 5 per person an hour).
  func services(_ context: BackendContext) -> [any Service] {
    context.outboxDelivery(queue: Self.queue, outbox: outbox, maxAttempts: settings.maxAttempts, retryBase: settings.retryBase) { job in
      try await handle(job)
    }
  }
}
