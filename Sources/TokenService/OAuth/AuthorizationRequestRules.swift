import Foundation
import Shared

/// How an authorization request (`GET /oauth/authorize`, OIDC Core 1.0 section 3.1.2) is read and
/// judged (docs/oidc.md). Pure: every branch is tested without a database. Until the client and
/// its redirect URI are known good a refusal is a page; after, it is redirected to the client.
enum AuthorizationRequestRules {
  /// What Gatehouse knows of the client named by `client_id`.
  struct Client: Sendable, Equatable {
    var clientID: String
    var redirectURIs: [String]
    /// A public client (a browser or native app) has no secret: PKCE is its only proof.
    var isPublic: Bool
    /// Scopes of the service's own that it may ask for, besides the standard ones.
    var serviceScopes: Set<String> = []
    /// Added to every request.
    var requiredScopes: [String] = []
  }

  enum Prompt: String, Sendable, CaseIterable, Codable {
    case none, login, consent
    case selectAccount = "select_account"
  }

  enum ResponseMode: String, Sendable, Codable {
    case query
    case formPost = "form_post"
  }

  /// A request that may go on to sign the person in.
  struct Accepted: Sendable, Equatable, Codable {
    var clientID: String
    var redirectURI: String
    var scopes: [String]
    var state: String?
    var nonce: String?
    var codeChallenge: String?
    var prompts: Set<Prompt>
    var maxAge: Int?
    var loginHint: String?
    var uiLocales: [String]
    var responseMode: ResponseMode
    /// `acr_values`, most wanted first (OIDC Core 1.0 section 3.1.2.1).
    var acrValues: [String]? = nil
  }

  /// Where a redirected refusal goes and how.
  struct Redirect: Sendable, Equatable {
    var redirectURI: String
    var state: String?
    var responseMode: ResponseMode
  }

  enum Verdict: Sendable, Equatable {
    case accepted(Accepted)
    /// The client or its redirect URI is in doubt: show the person a page, redirect nowhere.
    case page(Problem)
    /// Tell the client, at its redirect URI.
    case redirect(Problem, Redirect)
  }

  static let standardScopes: Set<String> = ["openid", "profile", "email", "offline_access"]
  /// Longest `state`, `nonce` and `login_hint` taken; each is echoed or stored.
  static let maxEchoed = 512

  /// `parameters`: every query parameter with all its values. `client`: the client `client_id`
  /// names, nil when it names none.
  static func evaluate(_ parameters: [String: [String]], client: Client?) -> Verdict {
    func one(_ name: String) -> String? { parameters[name]?.first }
    for name in ["client_id", "redirect_uri"] where (parameters[name]?.count ?? 0) > 1 {
      return .page(AuthorizationProblems.malformedRequest.problem("\(name) is given more than once.", field: name))
    }
    guard let clientID = one("client_id"), let client, client.clientID == clientID else {
      return .page(AuthorizationProblems.unknownClient.problem("client_id names no client of this provider.", field: "client_id"))
    }
    guard let redirectURI = one("redirect_uri"), client.redirectURIs.contains(redirectURI) else {
      return .page(
        AuthorizationProblems.redirectURINotRegistered.problem(
          "redirect_uri must be exactly one of the client's registered redirect URIs.", field: "redirect_uri"))
    }
    // From here the client is told. A state too long to echo is not echoed.
    let state = one("state").flatMap { $0.count <= maxEchoed ? $0 : nil }
    let mode = ResponseMode(rawValue: one("response_mode") ?? "query")
    let redirect = Redirect(redirectURI: redirectURI, state: state, responseMode: mode ?? .query)
    switch checked(parameters, client: client, modeKnown: mode != nil) {
    case .failure(let problem): return .redirect(problem, redirect)
    case .success(let parts):
      return .accepted(
        Accepted(
          clientID: clientID, redirectURI: redirectURI, scopes: parts.scopes, state: state, nonce: one("nonce"),
          codeChallenge: one("code_challenge"), prompts: parts.prompts, maxAge: parts.maxAge, loginHint: one("login_hint"),
          uiLocales: one("ui_locales").map { $0.split(separator: " ").map(String.init) } ?? [], responseMode: redirect.responseMode,
          acrValues: one("acr_values").map { $0.split(separator: " ").prefix(10).map(String.init) }))
    }
  }

  private struct Parts {
    var scopes: [String]
    var prompts: Set<Prompt>
    var maxAge: Int?
  }

  /// Everything after the client and its redirect URI, in the order OIDC Core lists it.
  private static func checked(_ parameters: [String: [String]], client: Client, modeKnown: Bool) -> Result<Parts, Problem> {
    func one(_ name: String) -> String? { parameters[name]?.first }
    func malformed(_ detail: String, _ field: String) -> Result<Parts, Problem> {
      .failure(AuthorizationProblems.malformedRequest.problem(detail, field: field))
    }
    if let repeated = parameters.first(where: { $0.value.count > 1 })?.key {
      return malformed("\(repeated) is given more than once.", repeated)
    }
    guard modeKnown else { return malformed("response_mode is query or form_post.", "response_mode") }
    guard let responseType = one("response_type") else { return malformed("response_type is required.", "response_type") }
    guard responseType == "code" else {
      return .failure(AuthorizationProblems.unsupportedResponseType.problem("Only response_type=code is offered.", field: "response_type"))
    }
    let scopes = (one("scope") ?? "").split(separator: " ").map(String.init)
    guard scopes.contains("openid") else {
      return .failure(AuthorizationProblems.scopeRefused.problem("scope must include openid.", field: "scope"))
    }
    if let unknown = scopes.first(where: { !standardScopes.contains($0) && !client.serviceScopes.contains($0) }) {
      return .failure(AuthorizationProblems.scopeRefused.problem("\(unknown) is not a scope this client may ask for.", field: "scope"))
    }
    // The service's required scopes are part of every authorization.
    var granted = scopes
    for scope in client.requiredScopes where !granted.contains(scope) { granted.append(scope) }
    if let problem = pkceProblem(one("code_challenge"), method: one("code_challenge_method"), isPublic: client.isPublic) {
      return .failure(problem)
    }
    for name in ["state", "nonce", "login_hint"] where (one(name)?.count ?? 0) > maxEchoed {
      return malformed("\(name) is at most \(maxEchoed) characters.", name)
    }
    let promptWords = (one("prompt") ?? "").split(separator: " ").map(String.init)
    let prompts = Set(promptWords.compactMap(Prompt.init(rawValue:)))
    guard prompts.count == Set(promptWords).count else {
      return malformed("prompt is none, login, consent or select_account.", "prompt")
    }
    guard !prompts.contains(.none) || prompts.count == 1 else { return malformed("prompt=none goes alone.", "prompt") }
    var maxAge: Int?
    if let text = one("max_age") {
      guard let seconds = Int(text), seconds >= 0 else { return malformed("max_age is a number of seconds.", "max_age") }
      maxAge = seconds
    }
    return .success(Parts(scopes: granted, prompts: prompts, maxAge: maxAge))
  }

  /// RFC 7636 with S256 only: a public client must send a challenge; `plain` is refused.
  static func pkceProblem(_ challenge: String?, method: String?, isPublic: Bool) -> Problem? {
    guard let challenge else {
      guard method == nil else {
        return AuthorizationProblems.malformedRequest.problem("code_challenge is missing.", field: "code_challenge")
      }
      return isPublic
        ? AuthorizationProblems.malformedRequest.problem("A public client sends an S256 code_challenge.", field: "code_challenge")
        : nil
    }
    guard (method ?? "plain") == "S256" else {
      return AuthorizationProblems.malformedRequest.problem("code_challenge_method must be S256.", field: "code_challenge_method")
    }
    guard challenge.count == 43, Base64URL.decode(challenge)?.count == 32 else {
      return AuthorizationProblems.malformedRequest.problem(
        "code_challenge is the 43-character base64url SHA-256 of the verifier.", field: "code_challenge")
    }
    return nil
  }
}
