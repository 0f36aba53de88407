import Foundation
import Shared

/// What every page does once it knows who the person is (docs/oidc.md, "Pages"): ask for the
/// second factor, or open the browser session and let the request go on.
extension Authorization {
  /// The browser session the page opened (`cookie` is its token; nil when an existing one passed
  /// a second factor in place): an older session of this browser ends, and the request goes on.
  func signedIn(_ flow: Flow, session: BrowserSessionStore.Session, cookie: String?, requestID: String?) async throws
    -> AuthorizationStep
  {
    var flow = flow
    if let cookie {
      try await endReplacedSession(flow.browser, requestID: requestID)
      flow.newSession = NewBrowserSession(token: cookie, maxAge: BrowserSessionStore.lifetime)
    }
    return try await proceed(flow, session: session, justSignedIn: true, requestID: requestID)
  }

  /// Opens the browser session of a person the page vouched for (a new account, a provider), in
  /// one transaction with the request marked as signed in on its own page, and goes on.
  func openSession(_ flow: Flow, pendingID: UUID, userID: UUID, amr: [String], requestID: String?) async throws -> AuthorizationStep {
    let client = flow.browser.client
    let (session, token) = try await login.store.postgres.transaction(logger: login.store.logger) { connection in
      let opened = try await browserSessions.open(
        userID: userID, amr: amr, secondFactor: false, serviceID: flow.service.id, client: client, requestID: requestID,
        on: connection)
      try await requests.markSignedIn(id: pendingID, session: opened.0.id, on: connection)
      return opened
    }
    return try await signedIn(flow, session: session, cookie: token, requestID: requestID)
  }

  /// The second-factor page for `account`; its challenge waits beside the pending request, never
  /// in the page. `method`: `password`, or the provider that vouched for the person.
  func askSecondFactor(_ flow: Flow, account: LoginStore.Account, method: String, requestID: String?) async throws
    -> AuthorizationStep
  {
    var flow = flow
    let pendingID = try await waitingID(flow)
    flow.pendingID = pendingID
    let token = try await multiFactor.challenge(
      account: account, service: flow.service, method: method, client: flow.browser.client, requestID: requestID)
    try await requests.awaitSecondFactor(id: pendingID, userID: account.id, mfaToken: token)
    return AuthorizationStep(page: try await secondFactorPage(flow, userID: account.id))
  }

  /// The second-factor page, offering what the account has: a code (TOTP, backup codes), a passkey.
  func secondFactorPage(_ flow: Flow, userID: UUID, problem: Problem? = nil) async throws -> PageView {
    var view = try await page("second_factor", flow, problem: problem)
    if try await login.store.account(id: userID)?.mfaEnabled == true { view.secondFactors.append("code") }
    if try await multiFactor.hasPasskey(userID) { view.secondFactors.append("passkey") }
    return view
  }
}
