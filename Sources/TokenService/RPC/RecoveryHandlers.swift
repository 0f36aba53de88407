import Shared

extension TokenMethodHandlers {
  /// E-mail verification and password reset (AccountRecovery): the mailed links and asking for them.
  static func registerRecovery(_ router: inout RPCRouter, _ parts: Parts) {
    let store = parts.mail.map { mail in
      AccountRecoveryStore(
        postgres: parts.accounts.postgres, tokens: EmailTokenStore(logger: parts.accounts.logger), mail: mail,
        logger: parts.accounts.logger)
    }
    let recovery = AccountRecovery(
      store: store, services: parts.services, logins: parts.logins, hasher: parts.hasher, passwords: parts.passwords,
      revocations: parts.revocations)
    router.register(TokenRPC.verifyEmail) { request, call in try await recovery.verifyEmail(request, requestID: call.requestID) }
    router.register(TokenRPC.resendVerification) { request, call in
      try await recovery.resendVerification(request, caller: try call.signedInCaller(), requestID: call.requestID)
    }
    router.register(TokenRPC.changeEmail) { request, call in
      try await recovery.changeEmail(request, caller: try call.signedInCaller(), requestID: call.requestID)
    }
    router.register(TokenRPC.requestVerification) { request, call in
      try await recovery.requestVerification(request, requestID: call.requestID)
    }
    router.register(TokenRPC.forgotPassword) { request, call in try await recovery.forgotPassword(request, requestID: call.requestID) }
    router.register(TokenRPC.resetPassword) { request, call in try await recovery.resetPassword(request, requestID: call.requestID) }
  }
}
