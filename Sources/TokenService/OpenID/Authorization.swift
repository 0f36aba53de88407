import Foundation
import Shared

/// An authorization from request to code (docs/oidc.md): the request judged by
/// `AuthorizationRequestRules`, the browser's session by `SignOnRules`, and the pages in between
/// (sign-in, second factor, consent), each answered with the browser's next step.
struct Authorization: Sendable {
  let services: ServiceStore
  let requests: AuthorizationStore
  let codes: AuthorizationCodeStore
  let browserSessions: BrowserSessionStore
  let login: Login
  let multiFactor: MultiFactor
  let passkeys: PasskeyAssertions
  let registration: Registration
  let issuer: String

  /// `GET /oauth/authorize`.
  func authorize(_ request: AuthorizeRequest, requestID: String?) async throws -> AuthorizationStep {
    let languages =
      (request.parameters["ui_locales"]?.first.map { $0.split(separator: " ").map(String.init) } ?? [])
      + request.browser.languages
    var service: ServiceRecord?
    if let clientID = request.parameters["client_id"]?.first, clientID.count <= 200,
      let (found, _) = try await services.find(clientID: clientID), !found.deleted
    {
      service = found
    }
    switch AuthorizationRequestRules.evaluate(request.parameters, client: service.map(Self.client)) {
    case .page(let problem):
      return AuthorizationStep(page: PageView(name: "error", problem: problem, languages: languages))
    case .redirect(let problem, let target):
      return AuthorizationResponse.error(problem, to: target, issuer: issuer)
    case .accepted(let accepted):
      guard let service else { throw Problem.internalError() }
      do {
        try service.requireOpen()
      } catch {
        let closed = OpenIDProblems.consentDenied.problem("\(service.name) is not open for sign-in now.")
        return AuthorizationResponse.error(closed, to: AuthorizationResponse.target(of: accepted), issuer: issuer)
      }
      let session = try await request.browser.session.asyncFlatMap { try await browserSessions.find(token: $0) }
      let flow = Flow(request: accepted, service: service, pendingID: nil, languages: languages, browser: request.browser)
      return try await proceed(flow, session: session, justSignedIn: false, requestID: requestID)
    }
  }

  static func client(_ service: ServiceRecord) -> AuthorizationRequestRules.Client {
    AuthorizationRequestRules.Client(
      clientID: service.clientID, redirectURIs: service.redirectURIs, isPublic: service.publicClient,
      serviceScopes: Set(service.scopes), requiredScopes: service.requiredScopes)
  }

  /// One request on its way: what it asked, for which service, and the page it is waiting on.
  struct Flow: Sendable {
    var request: AuthorizationRequestRules.Accepted
    var service: ServiceRecord
    var pendingID: UUID?
    var languages: [String]
    var browser: BrowserInfo
    /// Set when this step opened a browser session: the gateway sets its cookie.
    var newSession: NewBrowserSession?
    var consentJustGiven = false

    var target: AuthorizationRequestRules.Redirect { AuthorizationResponse.target(of: request) }
  }

  /// What comes next for a request with this browser session: a page, or the answer to the client.
  func proceed(_ flow: Flow, session: BrowserSessionStore.Session?, justSignedIn: Bool, requestID: String?) async throws
    -> AuthorizationStep
  {
    var consent = SignOnRules.Consent.none
    if flow.consentJustGiven {
      consent = .justGiven
    } else if flow.service.firstParty {
      consent = .remembered
    } else if let session,
      try await requests.hasConsent(userID: session.userID, serviceID: flow.service.id, scopes: flow.request.scopes)
    {
      consent = .remembered
    }
    let rulesSession = session.map { SignOnRules.Session(authTime: $0.authTime, justSignedIn: justSignedIn, hasMFA: $0.mfaAt != nil) }
    var step: AuthorizationStep
    switch SignOnRules.next(
      flow.request, session: rulesSession, consent: consent,
      requireMFA: SignOnRules.needsMFA(flow.request, serviceRequires: flow.service.requireMFA), now: Date())
    {
    case .refuse(let problem):
      if let pending = flow.pendingID { try await requests.finish(id: pending) }
      step = AuthorizationResponse.error(problem, to: flow.target, issuer: issuer)
    case .signIn:
      step = AuthorizationStep(page: try await page("sign_in", flow))
    case .secondFactor:
      guard let session else { throw Problem.internalError() }
      step = try await stepUp(flow, session: session, requestID: requestID)
    case .consent:
      step = AuthorizationStep(page: try await page("consent", flow))
    case .issueCode:
      guard let session else { throw Problem.internalError() }
      guard try await requests.mayJoin(userID: session.userID, service: flow.service) else {
        if let pending = flow.pendingID { try await requests.finish(id: pending) }
        let refused = OpenIDProblems.consentDenied.problem("This account may not sign in to \(flow.service.name).")
        step = AuthorizationResponse.error(refused, to: flow.target, issuer: issuer)
        break
      }
      guard
        let code = try await codes.issue(
          serviceID: flow.service.id, userID: session.userID, browserSessionID: session.id, request: flow.request,
          pendingID: flow.pendingID, client: flow.browser.client, requestID: requestID)
      else {
        throw OpenIDProblems.authorizationExpired.problem("This sign-in was already completed; start again from the app.")
      }
      step = AuthorizationResponse.code(code, to: flow.target, issuer: issuer)
    }
    step.newSession = flow.newSession
    return step
  }

  /// The service requires a second factor this session has not passed: the second-factor page
  /// for an account with MFA on or a passkey (passing it opens a browser session that has), else
  /// the client hears `access_denied`.
  private func stepUp(_ flow: Flow, session: BrowserSessionStore.Session, requestID: String?) async throws -> AuthorizationStep {
    let account = try await login.store.account(id: session.userID)
    let hasPasskey = try await multiFactor.hasPasskey(session.userID)
    guard let account, account.mfaEnabled || hasPasskey else {
      if let pending = flow.pendingID { try await requests.finish(id: pending) }
      let refused = OpenIDProblems.consentDenied.problem("This sign-in requires two-step verification; turn it on first.")
      return AuthorizationResponse.error(refused, to: flow.target, issuer: issuer)
    }
    return try await askSecondFactor(flow, account: account, method: session.amr.first == "fed" ? "fed" : "password", requestID: requestID)
  }

  /// A page of this request, the request saved first if it is not yet waiting. `identifier`: what
  /// the person typed, shown again with a refusal so they need not type it twice.
  func page(_ name: String, _ flow: Flow, problem: Problem? = nil, identifier: String? = nil) async throws -> PageView {
    let id = try await waitingID(flow)
    let origin = RedirectURIRule.formActionSource(flow.request.redirectURI)
    var view = PageView(
      name: name, request: id.uuidString.lowercased(), serviceName: flow.service.name, logoURL: flow.service.logoURL,
      clientOrigin: origin, loginHint: identifier ?? flow.request.loginHint, scopes: flow.request.scopes, problem: problem,
      languages: flow.languages)
    view.scopeWords = flow.service.scopeWords.filter { flow.request.scopes.contains($0.key) }
    view.canRegister = flow.service.autoCreateUser
    view.service = flow.service.slug
    return view
  }

  /// The id of the request's row, saved now if it was not waiting yet.
  func waitingID(_ flow: Flow) async throws -> UUID {
    if let id = flow.pendingID { return id }
    return try await requests.savePending(flow.request, serviceID: flow.service.id)
  }
}
