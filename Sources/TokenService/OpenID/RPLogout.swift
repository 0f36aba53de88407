import Foundation
import Shared

/// `GET|POST /oauth/logout` (OpenID Connect RP-Initiated Logout 1.0, docs/oidc.md "Logout"):
/// ends the browser's session and every app session opened through it. With an `id_token_hint`
/// naming this browser's session it happens at once; otherwise the person confirms on a page
/// first, so a link alone cannot sign anyone out. `post_logout_redirect_uri` must be one of the
/// client's registered ones, and gets `state` back.
struct RPLogout: Sendable {
  let services: ServiceStore
  let browserSessions: BrowserSessionStore
  let reader: AccessTokenReader

  func end(_ request: RPLogoutRequest, requestID: String?) async throws -> RPLogoutStep {
    let languages = request.browser.languages
    func errorPage(_ problem: Problem) -> RPLogoutStep {
      RPLogoutStep(page: PageView(name: "error", problem: problem, languages: languages), endedSession: false)
    }
    var hint: IDTokenClaims?
    if let text = request.idTokenHint {
      guard let claims = await reader.idTokenClaims(of: text) else {
        return errorPage(OpenIDProblems.invalidIDTokenHint.problem("id_token_hint is not an ID token of this provider."))
      }
      hint = claims
    }
    let clientID = request.clientID ?? hint?.aud
    if let hint, let named = request.clientID, named != hint.aud {
      return errorPage(OpenIDProblems.invalidIDTokenHint.problem("id_token_hint was issued to another client than client_id."))
    }
    var service: ServiceRecord?
    if let clientID, clientID.count <= 200, let (found, _) = try await services.find(clientID: clientID), !found.deleted {
      service = found
    }
    if let uri = request.postLogoutRedirectURI {
      guard let service, service.postLogoutRedirectURIs.contains(uri) else {
        return errorPage(
          OpenIDProblems.postLogoutRedirectURINotRegistered.problem(
            "post_logout_redirect_uri must be one of the client's registered post-logout redirect URIs."))
      }
    }
    let session = try await request.browser.session.asyncFlatMap { try await browserSessions.find(token: $0) }
    if let session, !request.confirmed, hint?.sid != session.id.uuidString.lowercased() {
      return RPLogoutStep(
        page: PageView(name: "confirm_logout", serviceName: service?.name, logoURL: service?.logoURL, languages: languages),
        endedSession: false)
    }
    var ended = false
    if let token = request.browser.session {
      ended = try await browserSessions.end(token: token, reason: "logout", client: request.browser.client, requestID: requestID) != nil
    }
    guard let uri = request.postLogoutRedirectURI else {
      return RPLogoutStep(page: PageView(name: "signed_out", serviceName: service?.name, languages: languages), endedSession: ended)
    }
    guard let state = request.state else { return RPLogoutStep(redirect: uri, endedSession: ended) }
    let separator = uri.contains("?") ? "&" : "?"
    return RPLogoutStep(redirect: uri + separator + "state=" + URLQuery.escape(state), endedSession: ended)
  }
}
