import Foundation
import Shared

extension TokenMethodHandlers {
  /// Leaving (AccountDeletion): the signed-in person deletes their own account.
  static func registerLeaving(_ router: inout RPCRouter, _ parts: Parts, context: BackendContext) throws {
    let deletion = AccountDeletion(
      reauthentication: Reauthentication(
        firstParty: parts.firstParty, logins: parts.logins, store: parts.accountSecurity, currentPassword: parts.currentPassword),
      services: parts.services,
      store: AccountDeletionStore(
        postgres: context.postgres, outbox: try Outbox(table: "token.outbox"), redis: context.redis, logger: context.logger),
      revocations: parts.revocations)
    router.register(TokenRPC.deleteAccount) { request, call in
      try await deletion.delete(request, caller: try call.signedInCaller(), requestID: call.requestID)
    }
  }
}
