import Foundation
import Logging
import ServiceLifecycle
import Shared

/// After an account was deleted (docs/leaving.md): has social-service and idp-service erase what
/// they hold of it, then completes the outbox row with an audit row of what they did. Either
/// being down only delays it: the job is retried, then swept again; both erasures are idempotent.
struct AccountErasureDelivery: Sendable {
  let outbox: Outbox
  let postgres: Database
  let rpc: RPCClient
  let logger: Logger

  func handle(_ job: Job) async throws {
    let payload = try job.decode(AccountDeletionStore.ErasureJob.self)
    let erasure = AccountErasure(userID: payload.userID.uuidString.lowercased())
    let context = RPCCallContext(requestID: payload.requestID)
    try await outbox.complete(job, client: postgres, logger: logger) { connection in
      let social = try await rpc.call(SocialRPC.eraseAccount, erasure, context: context)
      let identity = try await rpc.call(IdPRPC.eraseAccount, erasure, context: context)
      try await AuditEvent(
        action: "ACCOUNT_ERASED", requestID: payload.requestID,
        details: [
          "social_rows": String(social.rowsDeleted), "identity_rows": String(identity.rowsDeleted),
          "audit_rows_minimised": String(social.auditRowsMinimised + identity.auditRowsMinimised),
        ]
      ).insert(on: connection, logger: logger)
    }
  }

  /// The worker of `token.account_erasure` and the sweeper of its rows.
  static func workers(_ context: BackendContext) throws -> [any Service] {
    let delivery = AccountErasureDelivery(
      outbox: try Outbox(table: "token.outbox"), postgres: context.postgres, rpc: context.rpc, logger: context.logger)
    return context.outboxDelivery(
      queue: AccountDeletionStore.erasureQueue, outbox: delivery.outbox, maxAttempts: 5, retryBase: .seconds(1)
    ) { job in try await delivery.handle(job) }
  }
}
