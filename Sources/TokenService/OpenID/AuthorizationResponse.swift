import Foundation
import Shared

/// The answer an authorization sends back to the client (OIDC Core 1.0 section 3.1.2.5/6, RFC 9207):
/// `code` or `error` with `error_description`, then `state` and `iss`, in the redirect URI's query
/// or as a form the browser posts (`response_mode=form_post`).
enum AuthorizationResponse {
  static func code(_ code: String, to target: AuthorizationRequestRules.Redirect, issuer: String) -> AuthorizationStep {
    answer([("code", code)], to: target, issuer: issuer)
  }

  static func error(_ problem: Problem, to target: AuthorizationRequestRules.Redirect, issuer: String) -> AuthorizationStep {
    var fields = [("error", problem.code)]
    if let detail = problem.detail { fields.append(("error_description", detail)) }
    return answer(fields, to: target, issuer: issuer)
  }

  static func target(of request: AuthorizationRequestRules.Accepted) -> AuthorizationRequestRules.Redirect {
    AuthorizationRequestRules.Redirect(redirectURI: request.redirectURI, state: request.state, responseMode: request.responseMode)
  }

  private static func answer(_ fields: [(String, String)], to target: AuthorizationRequestRules.Redirect, issuer: String)
    -> AuthorizationStep
  {
    var all = fields
    if let state = target.state { all.append(("state", state)) }
    all.append(("iss", issuer))
    switch target.responseMode {
    case .formPost:
      return AuthorizationStep(formPost: FormPost(action: target.redirectURI, fields: all.map { [$0.0, $0.1] }))
    case .query:
      var components = URLComponents(string: target.redirectURI) ?? URLComponents()
      var items = components.queryItems ?? []
      items += all.map { URLQueryItem(name: $0.0, value: $0.1) }
      components.percentEncodedQuery = URLQuery.encode(items.map { ($0.name, $0.value ?? "") })
      return AuthorizationStep(redirect: components.string ?? target.redirectURI)
    }
  }
}
