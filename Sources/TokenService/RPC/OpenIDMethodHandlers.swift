import Foundation
import Shared

/// The OpenID Provider's methods (docs/oidc.md): authorization and its pages, userinfo, logout.
extension TokenMethodHandlers {
  static func registerOpenID(_ router: inout RPCRouter, _ parts: Parts, context: BackendContext) {
    let browserSessions = parts.browserSessions
    let requests = AuthorizationStore(postgres: context.postgres, logger: context.logger)
    let authorization = Authorization(
      services: parts.services, requests: requests, codes: parts.codes,
      browserSessions: browserSessions, login: parts.login, multiFactor: parts.multiFactor, passkeys: parts.passkeys,
      registration: parts.registration,
      issuer: context.config.issuer)
    router.register(TokenRPC.authorize) { request, call in try await authorization.authorize(request, requestID: call.requestID) }
    router.register(TokenRPC.pageSignIn) { form, call in try await authorization.signIn(form, requestID: call.requestID) }
    router.register(TokenRPC.pageSecondFactor) { form, call in try await authorization.secondFactor(form, requestID: call.requestID) }
    router.register(TokenRPC.pageSignUp) { form, call in try await authorization.signUp(form, requestID: call.requestID) }
    router.register(TokenRPC.pageSocialSignIn) { form, call in try await authorization.socialSignIn(form, requestID: call.requestID) }
    router.register(TokenRPC.pageOfRequest) { form, _ in try await authorization.pageOfRequest(form) }
    router.register(TokenRPC.pagePasskeyOptions) { form, _ in try await authorization.passkeyOptions(form) }
    router.register(TokenRPC.pagePasskeySignIn) { form, call in try await authorization.passkeySignIn(form, requestID: call.requestID) }
    router.register(TokenRPC.pageConsent) { form, call in try await authorization.consent(form, requestID: call.requestID) }
    let userInfo = UserInfo(logins: parts.logins)
    // The caller is the call's principal: the access token the gateway verified.
    router.register(TokenRPC.userinfo) { _, call in
      guard let principal = call.principal else { throw SignInProblems.userTokenRequired.problem("Send an access token.") }
      return try await userInfo.claims(of: principal)
    }
    let rpLogout = RPLogout(services: parts.services, browserSessions: browserSessions, reader: parts.reader)
    router.register(TokenRPC.rpLogout) { request, call in try await rpLogout.end(request, requestID: call.requestID) }

    registerAccountSide(&router, browserSessions: browserSessions, requests: requests)
  }

  /// The person's own browser sessions and grants: the person is the call's principal.
  private static func registerAccountSide(
    _ router: inout RPCRouter, browserSessions: BrowserSessionStore, requests: AuthorizationStore
  ) {
    router.register(TokenRPC.endBrowserSession) { request, call in
      guard let user = UUID(uuidString: try call.signedInUserID()), let id = UUID(uuidString: request.id),
        try await browserSessions.end(id: id, userID: user, client: ClientInfo(ip: nil, userAgent: nil), requestID: call.requestID)
      else { throw SignInProblems.sessionNotFound.problem("No open browser session \(request.id) of yours.") }
      return LogoutResponse(sessionsEnded: 1)
    }
    router.register(TokenRPC.consents) { _, call in
      guard let user = UUID(uuidString: try call.signedInUserID()) else {
        throw AccountProblems.accountNotFound.problem("No such account.")
      }
      return ConsentList(consents: try await requests.consents(userID: user))
    }
    router.register(TokenRPC.revokeConsent) { request, call in
      guard let user = UUID(uuidString: try call.signedInUserID()),
        try await requests.revokeConsent(userID: user, service: request.service, requestID: call.requestID)
      else { throw OpenIDProblems.consentNotFound.problem("You have not allowed \(request.service) anything.") }
      return NoRequest()
    }
  }
}
