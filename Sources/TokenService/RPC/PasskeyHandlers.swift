import Shared

extension TokenMethodHandlers {
  /// Passkeys (PasskeyEnrolment, PasskeySignIn): the caller's own, and signing in with one.
  static func registerPasskeys(_ router: inout RPCRouter, _ parts: Parts) {
    let passkeys = parts.passkeys
    let enrolment = PasskeyEnrolment(
      store: passkeys.store, challenges: passkeys.challenges, party: passkeys.party, services: parts.services, logins: parts.logins)
    let signIn = PasskeySignIn(assertions: passkeys, services: parts.services, logins: parts.logins, tokens: parts.tokens)
    router.register(TokenRPC.passkeyRegistrationOptions) { _, call in try await enrolment.options(caller: try call.signedInCaller()) }
    router.register(TokenRPC.registerPasskey) { request, call in
      try await enrolment.register(request, caller: try call.signedInCaller(), requestID: call.requestID)
    }
    router.register(TokenRPC.passkeys) { _, call in try await enrolment.list(caller: try call.signedInCaller()) }
    router.register(TokenRPC.renamePasskey) { request, call in
      try await enrolment.rename(request, caller: try call.signedInCaller(), requestID: call.requestID)
    }
    router.register(TokenRPC.removePasskey) { request, call in
      try await enrolment.remove(request, caller: try call.signedInCaller(), requestID: call.requestID)
    }
    router.register(TokenRPC.passkeySignInOptions) { body, _ in try await signIn.options(body) }
    router.register(TokenRPC.passkeySignIn) { request, call in try await signIn.signIn(request, requestID: call.requestID) }
  }
}
