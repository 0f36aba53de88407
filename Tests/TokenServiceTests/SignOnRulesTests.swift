import Foundation
import Shared
import Testing

@testable import TokenService

/// docs/oidc.md, "Single sign-on": what an accepted request needs before a code.
@Suite(.timeLimit(.minutes(2))) struct SignOnRulesTests {
  let now = Date(timeIntervalSince1970: 1_800_000_000)

  func request(prompts: Set<AuthorizationRequestRules.Prompt> = [], maxAge: Int? = nil) -> AuthorizationRequestRules.Accepted {
    AuthorizationRequestRules.Accepted(
      clientID: "app", redirectURI: "https://app.example/cb", scopes: ["openid"], state: nil, nonce: nil, codeChallenge: nil,
      prompts: prompts, maxAge: maxAge, loginHint: nil, uiLocales: [], responseMode: .query)
  }

  func session(ageSeconds: Double = 60, justSignedIn: Bool = false) -> SignOnRules.Session {
    SignOnRules.Session(authTime: now.addingTimeInterval(-ageSeconds), justSignedIn: justSignedIn)
  }

  @Test func aSessionWithConsentGetsACodeWithoutAnyPage() {
    #expect(SignOnRules.next(request(), session: session(), consent: .remembered, now: now) == .issueCode)
  }

  @Test func noSessionMeansTheSignInPageOrLoginRequiredWhenSilent() {
    #expect(SignOnRules.next(request(), session: nil, consent: .remembered, now: now) == .signIn)
    let silent = SignOnRules.next(request(prompts: [.none]), session: nil, consent: .remembered, now: now)
    guard case .refuse(let problem) = silent else {
      Issue.record("\(silent)")
      return
    }
    #expect(problem.code == "login_required")
  }

  @Test func promptLoginAndAnOldSessionAskForThePasswordUnlessJustGiven() {
    #expect(SignOnRules.next(request(prompts: [.login]), session: session(), consent: .remembered, now: now) == .signIn)
    #expect(SignOnRules.next(request(prompts: [.selectAccount]), session: session(), consent: .remembered, now: now) == .signIn)
    #expect(SignOnRules.next(request(maxAge: 30), session: session(ageSeconds: 60), consent: .remembered, now: now) == .signIn)
    #expect(SignOnRules.next(request(maxAge: 120), session: session(ageSeconds: 60), consent: .remembered, now: now) == .issueCode)
    #expect(
      SignOnRules.next(request(prompts: [.login]), session: session(justSignedIn: true), consent: .remembered, now: now) == .issueCode)
  }

  @Test func consentIsAskedWhenMissingOrPromptedAndOnlyOncePerRequest() {
    #expect(SignOnRules.next(request(), session: session(), consent: .none, now: now) == .consent)
    #expect(SignOnRules.next(request(prompts: [.consent]), session: session(), consent: .remembered, now: now) == .consent)
    #expect(SignOnRules.next(request(prompts: [.consent]), session: session(), consent: .justGiven, now: now) == .issueCode)
    let silent = SignOnRules.next(request(prompts: [.none]), session: session(), consent: .none, now: now)
    guard case .refuse(let problem) = silent else {
      Issue.record("\(silent)")
      return
    }
    #expect(problem.code == "consent_required")
  }
}

extension SignOnRulesTests {
  @Test func aServiceRequiringMFAAsksASessionWithoutOneForTheSecondFactorFirst() {
    var plain = session()
    #expect(SignOnRules.next(request(), session: plain, consent: .none, requireMFA: true, now: now) == .secondFactor)
    plain.hasMFA = true
    #expect(SignOnRules.next(request(), session: plain, consent: .none, requireMFA: true, now: now) == .consent)
    #expect(SignOnRules.next(request(), session: nil, consent: .remembered, requireMFA: true, now: now) == .signIn)
    let silent = SignOnRules.next(request(prompts: [.none]), session: session(), consent: .remembered, requireMFA: true, now: now)
    guard case .refuse(let problem) = silent else {
      Issue.record("\(silent)")
      return
    }
    #expect(problem.code == "interaction_required")
  }
}

extension SignOnRulesTests {
  @Test func aClientAskingForTheMultiFactorLevelFirstNeedsTheSecondFactor() {
    var asked = request()
    #expect(!SignOnRules.needsMFA(asked, serviceRequires: false))
    #expect(SignOnRules.needsMFA(asked, serviceRequires: true))
    asked.acrValues = ["urn:gatehouse:acr:mfa", "urn:gatehouse:acr:1fa"]
    #expect(SignOnRules.needsMFA(asked, serviceRequires: false))
    asked.acrValues = ["urn:gatehouse:acr:1fa", "urn:gatehouse:acr:mfa"]
    #expect(!SignOnRules.needsMFA(asked, serviceRequires: false))
  }
}
