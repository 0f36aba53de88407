import Foundation
import Shared

/// The registration page of an authorization (docs/oidc.md, "Pages"): a new account of the
/// request's service under the JSON API's rules (`Registration`), then signed in on this request.
extension Authorization {
  /// `GET /signup?request=…` (and back to `sign_in`): the page, for a request still waiting.
  func pageOfRequest(_ form: PageRequest) async throws -> AuthorizationStep {
    let (flow, _) = try await pendingFlow(form.request, browser: form.browser)
    guard form.page == "sign_in" || (form.page == "sign_up" && flow.service.autoCreateUser) else {
      throw AccountProblems.registrationClosed.problem("\(flow.service.name) does not accept new accounts.")
    }
    return AuthorizationStep(page: try await page(form.page, flow))
  }

  /// `POST /signup`.
  func signUp(_ form: PageSignUp, requestID: String?) async throws -> AuthorizationStep {
    let (flow, pending) = try await pendingFlow(form.request, browser: form.browser)
    let username = form.username.trimmingCharacters(in: .whitespaces)
    let email = form.email.trimmingCharacters(in: .whitespaces)
    let firstName = form.firstName.flatMap { $0.isEmpty ? nil : $0 }
    let body = RegisterBody(service: flow.service.slug, username: username, email: email, password: form.password, firstName: firstName)
    do {
      _ = try await registration.register(RegisterRequest(body: body, client: form.browser.client), requestID: requestID)
    } catch let problem as Problem where problem.statusCode < 500 {
      var view = try await page("sign_up", flow, problem: problem)
      view.typed = ["username": username, "email": email, "first_name": firstName ?? ""]
      return AuthorizationStep(page: view)
    }
    guard let account = try await login.store.account(username: username, email: nil) else { throw Problem.internalError() }
    return try await openSession(flow, pendingID: pending.id, userID: account.id, amr: ["pwd"], requestID: requestID)
  }
}
