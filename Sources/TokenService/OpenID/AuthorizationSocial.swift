import Foundation
import Shared

/// A social sign-in started from the hosted sign-in page (docs/oidc.md, "Pages"): social-service
/// found (or made) the person the provider vouched for; the browser is signed in on the pending
/// request their page began, after the second factor when the account has one.
extension Authorization {
  func socialSignIn(_ form: PageSocialSignIn, requestID: String?) async throws -> AuthorizationStep {
    var (flow, pending) = try await pendingFlow(form.request, browser: form.browser)
    guard flow.service.slug == form.service, let userID = UUID(uuidString: form.userID),
      let account = try await login.store.account(id: userID)
    else {
      throw OpenIDProblems.authorizationExpired.problem("This sign-in does not belong to the request it came back to; start again.")
    }
    guard account.isActive else {
      let problem = SignInProblems.accountDisabled.problem("This account is disabled.")
      return AuthorizationStep(page: try await page("sign_in", flow, problem: problem))
    }
    if account.mfaEnabled {
      let token = try await multiFactor.challenge(
        account: account, service: flow.service, method: form.provider, client: form.browser.client, requestID: requestID)
      try await requests.awaitSecondFactor(id: pending.id, userID: account.id, mfaToken: token)
      return AuthorizationStep(page: try await page("second_factor", flow))
    }
    let (session, token) = try await login.store.postgres.transaction(logger: login.store.logger) { connection in
      let opened = try await browserSessions.open(
        userID: account.id, amr: ["fed"], secondFactor: false, serviceID: flow.service.id, client: form.browser.client,
        requestID: requestID, on: connection)
      try await requests.markSignedIn(id: pending.id, session: opened.0.id, on: connection)
      return opened
    }
    try await endReplacedSession(form.browser, requestID: requestID)
    flow.newSession = NewBrowserSession(token: token, maxAge: BrowserSessionStore.lifetime)
    return try await proceed(flow, session: session, justSignedIn: true, requestID: requestID)
  }
}
