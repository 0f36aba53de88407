// OpenID/: Gatehouse as an OpenID Provider (docs/oidc.md): authorization, pages, codes, ID tokens.
import Foundation
import Shared

/// What an accepted authorization request needs before a code can be issued (docs/oidc.md,
/// "Single sign-on"). Pure: tested without a database.
enum SignOnRules {
  /// The browser's session as far as the rules care.
  struct Session: Sendable, Equatable {
    var authTime: Date
    /// Signed in on a page of this very request (so `prompt=login` and `max_age` are satisfied).
    var justSignedIn: Bool
    /// The session passed a second factor.
    var hasMFA = false
  }

  enum Consent: Sendable, Equatable {
    case none
    /// Given before for every requested scope, or not needed (a first-party service).
    case remembered
    /// Given on the consent page of this very request (so `prompt=consent` is satisfied).
    case justGiven
  }

  enum Next: Sendable, Equatable {
    case issueCode
    case signIn
    /// The service requires a second factor the session has not passed.
    case secondFactor
    case consent
    /// `prompt=none` and the person would have to act: the client is told.
    case refuse(Problem)
  }

  /// A second factor is needed when the service requires one, or when the client's most wanted
  /// `acr_values` is the multi-factor level (`urn:gatehouse:acr:mfa`).
  static func needsMFA(_ request: AuthorizationRequestRules.Accepted, serviceRequires: Bool) -> Bool {
    serviceRequires || request.acrValues?.first == IDTokenClaims.acrMultiFactor
  }

  static func next(
    _ request: AuthorizationRequestRules.Accepted, session: Session?, consent: Consent, requireMFA: Bool = false, now: Date
  ) -> Next {
    let silent = request.prompts.contains(.none)
    let mustSignIn: Bool = {
      guard let session else { return true }
      if session.justSignedIn { return false }
      if request.prompts.contains(.login) || request.prompts.contains(.selectAccount) { return true }
      if let maxAge = request.maxAge, now.timeIntervalSince(session.authTime) > Double(maxAge) { return true }
      return false
    }()
    if mustSignIn {
      return silent ? .refuse(OpenIDProblems.loginRequired.problem("The person is not signed in here.")) : .signIn
    }
    if requireMFA, session?.hasMFA != true {
      return silent ? .refuse(OpenIDProblems.interactionRequired.problem("This service needs a second factor first.")) : .secondFactor
    }
    if consent == .none || (consent == .remembered && request.prompts.contains(.consent)) {
      return silent ? .refuse(OpenIDProblems.consentRequired.problem("The person has not allowed this client.")) : .consent
    }
    return .issueCode
  }
}
