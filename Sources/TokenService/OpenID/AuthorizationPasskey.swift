import Foundation
import Shared

/// Passkeys on the hosted pages (docs/passkeys.md, "On the pages"): the sign-in page's "Sign in
/// with a passkey" (a discoverable passkey that verified the person: two factors at once, so the
/// browser session has passed MFA), and the options of the second-factor page's passkey.
extension Authorization {
  /// `POST /signin/passkey/options` and `POST /signin/second-factor/passkey/options`.
  func passkeyOptions(_ form: PagePasskeyOptions) async throws -> PasskeyRequestOptions {
    let (flow, pending) = try await pendingFlow(form.request, browser: form.browser)
    guard form.secondFactor else { return try await passkeys.options(service: flow.service, purpose: .signIn) }
    guard let mfaToken = pending.mfaToken else {
      throw OpenIDProblems.authorizationExpired.problem("This sign-in has no second step waiting; start again from the app.")
    }
    return try await multiFactor.passkeyOptions(MFAPasskeyOptionsBody(mfaToken: mfaToken))
  }

  /// `POST /signin/passkey`: a refused answer shows the sign-in page again with the reason.
  func passkeySignIn(_ form: PagePasskeySignIn, requestID: String?) async throws -> AuthorizationStep {
    let (flow, _) = try await pendingFlow(form.request, browser: form.browser)
    let verified: PasskeyAssertions.Verified
    let account: LoginStore.Account
    do {
      verified = try await passkeys.verify(challengeID: form.passkey.challengeID, credential: form.passkey.credential, purpose: .signIn)
      guard verified.pending.service == flow.service.slug else {
        throw PasskeyProblems.ceremonyExpired.problem("These options were for another service; ask for new ones.", field: "challenge_id")
      }
      account = try await PasskeySignIn.account(of: verified, logins: login.store, service: flow.service)
    } catch let problem as Problem where Self.shownOnSignIn(problem) {
      return AuthorizationStep(page: try await page("sign_in", flow, problem: problem))
    }
    let client = flow.browser.client
    let (session, token) = try await login.store.postgres.transaction(logger: login.store.logger) { connection in
      try await passkeys.recordUse(verified, on: connection)
      let opened = try await browserSessions.open(
        userID: account.id, amr: PasskeyAssertions.amr(verified), secondFactor: verified.userVerified, serviceID: flow.service.id,
        client: client, requestID: requestID, on: connection)
      if let pending = flow.pendingID { try await requests.markSignedIn(id: pending, session: opened.0.id, on: connection) }
      return opened
    }
    return try await signedIn(flow, session: session, cookie: token, requestID: requestID)
  }
}
