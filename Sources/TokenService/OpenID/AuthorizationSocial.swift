import Foundation
import Shared

/// A social sign-in started from the hosted sign-in page (docs/oidc.md, "Pages"): social-service
/// found (or made) the person the provider vouched for; the browser is signed in on the pending
/// request their page began, after the second factor when the account has one.
extension Authorization {
  func socialSignIn(_ form: PageSocialSignIn, requestID: String?) async throws -> AuthorizationStep {
    let (flow, pending) = try await pendingFlow(form.request, browser: form.browser)
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
      return try await askSecondFactor(flow, account: account, method: form.provider, requestID: requestID)
    }
    return try await openSession(flow, pendingID: pending.id, userID: account.id, amr: ["fed"], requestID: requestID)
  }
}
