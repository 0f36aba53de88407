import Foundation
import Shared

/// The forms of the pages an authorization waits on (docs/oidc.md, "Pages"): each continues the
/// pending request its hidden `request` field names. A wrong password or code shows the same page
/// again with the reason; every refusal is the JSON API's (lock-out, throttle, no enumeration).
extension Authorization {
  /// `POST /signin`.
  func signIn(_ form: PageSignIn, requestID: String?) async throws -> AuthorizationStep {
    let (flow, _) = try await pendingFlow(form.request, browser: form.browser)
    let identifier = form.identifier.trimmingCharacters(in: .whitespaces)
    guard !identifier.isEmpty, !form.password.isEmpty, identifier.count <= 254, form.password.utf8.count <= 1024 else {
      let problem = RequestProblems.missingField.problem("Enter your username or e-mail and your password.", field: "identifier")
      return AuthorizationStep(page: try await page("sign_in", flow, problem: problem))
    }
    let byEmail = identifier.contains("@")
    let client = form.browser.client
    let outcome: Login.Outcome<(BrowserSessionStore.Session, token: String)>
    do {
      outcome = try await login.checkPassword(
        service: flow.service, username: byEmail ? nil : identifier, email: byEmail ? identifier : nil, password: form.password,
        client: client, requestID: requestID
      ) { account, connection in
        let opened = try await browserSessions.open(
          userID: account.id, amr: ["pwd"], secondFactor: false, serviceID: flow.service.id, client: client, requestID: requestID,
          on: connection)
        if let pending = flow.pendingID { try await requests.markSignedIn(id: pending, session: opened.0.id, on: connection) }
        return opened
      }
    } catch let problem as Problem where Self.shownOnSignIn(problem) {
      return AuthorizationStep(page: try await page("sign_in", flow, problem: problem, identifier: identifier))
    }
    switch outcome {
    case .secondFactor(let account):
      return try await askSecondFactor(flow, account: account, method: "password", requestID: requestID)
    case .signedIn(_, let (session, token)):
      return try await signedIn(flow, session: session, cookie: token, requestID: requestID)
    }
  }

  /// `POST /signin/second-factor`: a six-digit code from the app, or a backup code.
  func secondFactor(_ form: PageSecondFactor, requestID: String?) async throws -> AuthorizationStep {
    let (flow, pending) = try await pendingFlow(form.request, browser: form.browser)
    guard let mfaToken = pending.mfaToken, let userID = pending.userID else {
      throw OpenIDProblems.authorizationExpired.problem("This sign-in has no second step waiting; start again from the app.")
    }
    let body = form.passkey.map { MFACodeBody(passkey: $0) } ?? MFACodeBody.typed(form.code)
    let client = form.browser.client
    // A session of this person that lacks the second factor (a service requires one) passes it
    // in place: its other apps' sessions stay.
    let existing = try await form.browser.session.asyncFlatMap { try await browserSessions.find(token: $0) }
    let opened: (BrowserSessionStore.Session, token: String?)
    do {
      (_, _, _, opened) = try await multiFactor.complete(token: mfaToken, proof: body, requestID: requestID) {
        account, service, challenge, proof, connection in
        let first = challenge.method == "password" ? "pwd" : "fed"
        let amr = [first] + (["totp": ["otp"], "passkey": ["hwk"]][proof] ?? []) + ["mfa"]
        let session: (BrowserSessionStore.Session, token: String?)
        if let existing, existing.userID == account.id {
          session = (
            try await browserSessions.passSecondFactor(
              existing, amr: amr, serviceID: service.id, client: client, requestID: requestID, on: connection), nil
          )
        } else {
          let new = try await browserSessions.open(
            userID: account.id, amr: amr, secondFactor: true, serviceID: service.id, client: client, requestID: requestID,
            on: connection)
          session = (new.0, new.token)
        }
        try await requests.markSignedIn(id: pending.id, session: session.0.id, on: connection)
        return session
      }
    } catch let problem as Problem where Self.shownOnSecondFactor(problem) {
      return AuthorizationStep(page: try await secondFactorPage(flow, userID: userID, problem: problem))
    } catch let problem as Problem where problem.code == MFAProblems.invalidMFAToken.code {
      throw OpenIDProblems.authorizationExpired.problem("The second step of this sign-in expired; start again from the app.")
    }
    return try await signedIn(flow, session: opened.0, cookie: opened.token, requestID: requestID)
  }

  /// `POST /consent`: the signed-in browser allows the client its scopes, or refuses.
  func consent(_ form: PageConsent, requestID: String?) async throws -> AuthorizationStep {
    var (flow, pending) = try await pendingFlow(form.request, browser: form.browser)
    guard let session = try await form.browser.session.asyncFlatMap({ try await browserSessions.find(token: $0) }) else {
      return AuthorizationStep(page: try await page("sign_in", flow))
    }
    guard form.allow else {
      if let pending = flow.pendingID { try await requests.finish(id: pending) }
      let refused = OpenIDProblems.consentDenied.problem("The person did not allow \(flow.service.name) access.")
      return AuthorizationResponse.error(refused, to: flow.target, issuer: issuer)
    }
    try await requests.grantConsent(
      userID: session.userID, serviceID: flow.service.id, scopes: flow.request.scopes, client: form.browser.client,
      requestID: requestID)
    flow.consentJustGiven = true
    // Only a sign-in on this request's own page satisfies its prompt=login, max_age or select_account.
    return try await proceed(flow, session: session, justSignedIn: pending.signedInSession == session.id, requestID: requestID)
  }

  /// The request a page's form continues, still waiting and of an open service.
  func pendingFlow(_ id: String, browser: BrowserInfo) async throws -> (Flow, AuthorizationStore.Pending) {
    guard let pending = try await requests.pending(id: try Self.requestID(id)),
      let service = try await services.find(id: pending.serviceID), !service.deleted
    else {
      throw OpenIDProblems.authorizationExpired.problem("This sign-in is unknown, finished or expired; start again from the app.")
    }
    try service.requireOpen()
    let flow = Flow(
      request: pending.request, service: service, pendingID: pending.id, languages: pending.request.uiLocales + browser.languages,
      browser: browser)
    return (flow, pending)
  }

  private static func requestID(_ text: String) throws(Problem) -> UUID {
    guard let id = UUID(uuidString: text) else {
      throw OpenIDProblems.authorizationExpired.problem("This sign-in is unknown, finished or expired; start again from the app.")
    }
    return id
  }

  /// Refusals the sign-in page shows next to the form rather than as an error page.
  static func shownOnSignIn(_ problem: Problem) -> Bool {
    switch problem {
    case SignInProblems.invalidCredentials, SignInProblems.accountLocked, SignInProblems.accountDisabled: true
    default: isPasskeyRefusal(problem)
    }
  }

  /// Refusals the second-factor page shows next to its form.
  private static func shownOnSecondFactor(_ problem: Problem) -> Bool {
    problem.code == MFAProblems.invalidMFACode.code || problem.code == MFAProblems.mfaLocked.code || isPasskeyRefusal(problem)
  }

  /// What a passkey's answer was refused for: the person may try again, or another way.
  static func isPasskeyRefusal(_ problem: Problem) -> Bool { PasskeyProblems.all.contains { $0.code == problem.code } }

  /// A new sign-in in a browser that held another session (`prompt=login`, another account) ends the old one.
  func endReplacedSession(_ browser: BrowserInfo, requestID: String?) async throws {
    guard let old = browser.session else { return }
    _ = try await browserSessions.end(token: old, reason: "replaced", client: browser.client, requestID: requestID)
  }
}
