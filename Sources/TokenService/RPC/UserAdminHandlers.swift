import Shared

extension TokenMethodHandlers {
  /// Accounts across services (UserAdministration): who asks is the call's principal; the
  /// gateway checked a recent second factor first.
  static func registerUserAdministration(_ router: inout RPCRouter, _ parts: Parts, context: BackendContext) {
    let users = UserAdministration(
      store: UserAdminStore(postgres: context.postgres, logger: context.logger), revocations: parts.revocations)
    router.register(TokenRPC.searchUsers) { request, call in try await users.search(request, actor: try call.adminActor()) }
    router.register(TokenRPC.adminUser) { request, call in try await users.user(request, actor: try call.adminActor()) }
    router.register(TokenRPC.lockUser) { request, call in
      try await users.lock(request, actor: try call.adminActor(), requestID: call.requestID)
    }
    router.register(TokenRPC.signOutUser) { request, call in
      try await users.signOut(request, actor: try call.adminActor(), requestID: call.requestID)
    }
    router.register(TokenRPC.unlockUser) { request, call in
      try await users.unlock(request, actor: try call.adminActor(), requestID: call.requestID)
    }
  }
}
