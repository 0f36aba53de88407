import Foundation
import Shared

/// The OpenID Provider's methods (docs/oidc.md): authorization and its pages, userinfo, logout.
extension TokenMethodHandlers {
  static func registerOpenID(_ router: inout RPCRouter, _ parts: Parts, context: BackendContext) {
    let browserSessions = BrowserSessionStore(postgres: context.postgres, logger: context.logger)
    let authorization = Authorization(
      services: parts.services, requests: AuthorizationStore(postgres: context.postgres, logger: context.logger), codes: parts.codes,
      browserSessions: browserSessions, login: parts.login, multiFactor: parts.multiFactor, issuer: context.config.issuer)
    router.register(TokenRPC.authorize) { request, call in try await authorization.authorize(request, requestID: call.requestID) }
    router.register(TokenRPC.pageSignIn) { form, call in try await authorization.signIn(form, requestID: call.requestID) }
    router.register(TokenRPC.pageSecondFactor) { form, call in try await authorization.secondFactor(form, requestID: call.requestID) }
    router.register(TokenRPC.pageConsent) { form, call in try await authorization.consent(form, requestID: call.requestID) }
    let userInfo = UserInfo(logins: parts.logins, services: parts.services)
    // The caller is the call's principal: the access token the gateway verified.
    router.register(TokenRPC.userinfo) { _, call in
      guard let principal = call.principal else { throw SignInProblems.userTokenRequired.problem("Send an access token.") }
      return try await userInfo.claims(of: principal)
    }
    let rpLogout = RPLogout(services: parts.services, browserSessions: browserSessions, reader: parts.reader)
    router.register(TokenRPC.rpLogout) { request, call in try await rpLogout.end(request, requestID: call.requestID) }
  }
}
