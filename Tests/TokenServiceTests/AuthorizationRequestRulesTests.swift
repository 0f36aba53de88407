import Shared
import Testing

@testable import TokenService

/// docs/oidc.md, "Authorization requests": which requests go on, which are shown as a page and
/// which are sent back to the client.
@Suite(.timeLimit(.minutes(2))) struct AuthorizationRequestRulesTests {
  typealias Rules = AuthorizationRequestRules
  let confidential = Rules.Client(clientID: "web-app", redirectURIs: ["https://app.example/cb"], isPublic: false)
  let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

  func request(_ changes: [String: [String]] = [:]) -> [String: [String]] {
    var parameters: [String: [String]] = [
      "response_type": ["code"], "client_id": ["web-app"], "redirect_uri": ["https://app.example/cb"],
      "scope": ["openid profile"], "state": ["xyz"], "nonce": ["n-1"],
    ]
    for (name, values) in changes { parameters[name] = values.isEmpty ? nil : values }
    return parameters
  }

  func code(_ verdict: Rules.Verdict) -> String? {
    switch verdict {
    case .accepted: nil
    case .page(let problem), .redirect(let problem, _): problem.code
    }
  }

  func isPage(_ verdict: Rules.Verdict) -> Bool {
    if case .page = verdict { return true }
    return false
  }

  @Test func aWellFormedRequestGoesOnWithWhatItAskedFor() throws {
    let verdict = Rules.evaluate(
      request([
        "prompt": ["login consent"], "max_age": ["300"], "ui_locales": ["ko en"], "response_mode": ["form_post"],
        "acr_values": ["urn:gatehouse:acr:mfa urn:gatehouse:acr:1fa"],
      ]),
      client: confidential)
    guard case .accepted(let accepted) = verdict else {
      Issue.record("\(verdict)")
      return
    }
    #expect(accepted.scopes == ["openid", "profile"] && accepted.state == "xyz" && accepted.nonce == "n-1")
    #expect(accepted.prompts == [.login, .consent] && accepted.maxAge == 300 && accepted.uiLocales == ["ko", "en"])
    #expect(accepted.responseMode == .formPost)
    #expect(accepted.acrValues == ["urn:gatehouse:acr:mfa", "urn:gatehouse:acr:1fa"])
  }

  /// Never redirect to an address the client did not register: a page, whatever else is wrong.
  @Test func anUnknownClientOrRedirectURIIsAPageNeverARedirect() {
    let cases: [[String: [String]]] = [
      request(["client_id": []]),
      request(["client_id": ["other"]]),
      request(["redirect_uri": []]),
      request(["redirect_uri": ["https://app.example/cb/../evil"]]),
      request(["redirect_uri": ["https://app.example/cb?x=1"]]),
      request(["redirect_uri": ["https://app.example/cb", "https://evil.example/"]]),
      request(["redirect_uri": ["https://evil.example/"], "response_type": ["token"]]),
    ]
    for parameters in cases {
      #expect(isPage(Rules.evaluate(parameters, client: confidential)), "\(parameters)")
    }
    #expect(isPage(Rules.evaluate(request(), client: nil)))
  }

  @Test func laterRefusalsGoBackToTheClientWithItsState() {
    let verdict = Rules.evaluate(request(["response_type": ["token"]]), client: confidential)
    #expect(code(verdict) == "unsupported_response_type")
    guard case .redirect(_, let redirect) = verdict else {
      Issue.record("\(verdict)")
      return
    }
    #expect(redirect.redirectURI == "https://app.example/cb" && redirect.state == "xyz" && redirect.responseMode == .query)
    #expect(code(Rules.evaluate(request(["response_type": []]), client: confidential)) == "invalid_request")
    #expect(code(Rules.evaluate(request(["scope": ["openid", "email"]]), client: confidential)) == "invalid_request")
  }

  @Test func scopeMustBeOpenIDAndOnOffer() {
    #expect(code(Rules.evaluate(request(["scope": ["profile"]]), client: confidential)) == "invalid_scope")
    #expect(code(Rules.evaluate(request(["scope": ["openid admin"]]), client: confidential)) == "invalid_scope")
    var own = confidential
    own.serviceScopes = ["admin"]
    #expect(code(Rules.evaluate(request(["scope": ["openid admin offline_access"]]), client: own)) == nil)
  }

  @Test func aPublicClientNeedsS256AndPlainIsRefusedForAnyone() {
    var app = confidential
    app.isPublic = true
    #expect(code(Rules.evaluate(request(), client: app)) == "invalid_request")
    #expect(code(Rules.evaluate(request(["code_challenge": [challenge], "code_challenge_method": ["S256"]]), client: app)) == nil)
    for client in [app, confidential] {
      // Without a method RFC 7636 means plain, which is refused.
      #expect(code(Rules.evaluate(request(["code_challenge": [challenge]]), client: client)) == "invalid_request")
      #expect(
        code(Rules.evaluate(request(["code_challenge": [challenge], "code_challenge_method": ["plain"]]), client: client))
          == "invalid_request")
      #expect(
        code(Rules.evaluate(request(["code_challenge": ["short"], "code_challenge_method": ["S256"]]), client: client)) == "invalid_request"
      )
      #expect(code(Rules.evaluate(request(["code_challenge_method": ["S256"]]), client: client)) == "invalid_request")
    }
    // A confidential client may leave PKCE out.
    #expect(code(Rules.evaluate(request(), client: confidential)) == nil)
  }

  @Test func promptMaxAgeAndLengthsAreChecked() {
    #expect(code(Rules.evaluate(request(["prompt": ["none login"]]), client: confidential)) == "invalid_request")
    #expect(code(Rules.evaluate(request(["prompt": ["sometimes"]]), client: confidential)) == "invalid_request")
    #expect(code(Rules.evaluate(request(["prompt": ["none"]]), client: confidential)) == nil)
    #expect(code(Rules.evaluate(request(["max_age": ["-1"]]), client: confidential)) == "invalid_request")
    #expect(code(Rules.evaluate(request(["max_age": ["soon"]]), client: confidential)) == "invalid_request")
    #expect(code(Rules.evaluate(request(["response_mode": ["fragment"]]), client: confidential)) == "invalid_request")
    let long = String(repeating: "s", count: Rules.maxEchoed + 1)
    let tooLong = Rules.evaluate(request(["state": [long]]), client: confidential)
    #expect(code(tooLong) == "invalid_request")
    // A state too long to echo is not echoed.
    if case .redirect(_, let redirect) = tooLong { #expect(redirect.state == nil) }
    #expect(code(Rules.evaluate(request(["nonce": [long]]), client: confidential)) == "invalid_request")
  }
}
