// Pages/: the hosted pages (docs/oidc.md, "Pages"): templates, their words, cookies and headers.
import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import Shared

/// Renders the hosted pages from `Resources/Templates` (mustache, every value HTML-escaped) in
/// Korean or English (`Resources/Locales`), with headers that let nothing but our own stylesheet
/// and script run and nothing frame the page.
struct PageRenderer: Sendable {
  let library: MustacheLibrary
  let words: [String: [String: String]]
  static let languages = ["en", "ko"]

  static func load() async throws -> PageRenderer {
    let resources = try resourceFolder()
    let library = try await MustacheLibrary(directory: resources.appendingPathComponent("Templates").path)
    var words: [String: [String: String]] = [:]
    for language in languages {
      let data = try Data(contentsOf: resources.appendingPathComponent("Locales/\(language).json"))
      words[language] = try JSONDecoder().decode([String: String].self, from: data)
    }
    return PageRenderer(library: library, words: words)
  }

  /// `Sources/Gateway/Resources`, as the build copied it.
  static func resourceFolder() throws -> URL {
    guard let folder = Bundle.module.url(forResource: "Resources", withExtension: nil) else { throw Problem.internalError() }
    return folder
  }

  /// The first wanted language we have (`en-US` counts as `en`), else English.
  static func language(_ wanted: [String]) -> String {
    for tag in wanted {
      let primary = tag.split(separator: "-").first.map { $0.lowercased() } ?? ""
      if languages.contains(primary) { return primary }
    }
    return "en"
  }

  /// What every page shows: its title and lead, the service, the problem in the reader's words.
  struct Page {
    var template: String
    var view: PageView
    var status: HTTPResponse.Status = .ok
    var values: [String: Any] = [:]
  }

  func render(_ page: Page, requestID: String?) -> Response {
    let language = Self.language(page.view.languages)
    let t = words[language] ?? [:]
    let service = page.view.serviceName ?? "Gatehouse"
    func word(_ key: String) -> String { (t[key] ?? key).replacingOccurrences(of: "{service}", with: service) }
    let key = Self.titleKeys[page.template] ?? ("errorTitle", nil)
    var values: [String: Any] = [
      "t": t, "lang": language, "page": page.template, "brand": service, "initial": String(service.prefix(1)).uppercased(),
      "title": word(key.title), "requestID": requestID ?? "",
    ]
    if let lead = key.lead { values["lead"] = word(lead) }
    if let logo = page.view.logoURL { values["logoURL"] = logo }
    if let hint = page.view.loginHint { values["loginHint"] = hint }
    if let request = page.view.request { values["request"] = request }
    if page.view.canRegister { values["canRegister"] = true }
    values["typed"] = page.view.typed
    if let service = page.view.service, page.template == "sign_in" {
      values["service"] = service
      values["canReset"] = true
      values["verifyAgain"] = page.view.problem?.code == RecoveryProblems.emailNotVerified.code
    }
    if page.template == "second_factor" {
      values["offersCode"] = page.view.secondFactors.contains("code")
      values["offersPasskey"] = page.view.secondFactors.contains("passkey")
      if page.view.secondFactors == ["passkey"] { values["lead"] = word("secondFactorPasskeyLead") }
    }
    if let service = page.view.service, !page.view.providers.isEmpty {
      values["service"] = service
      values["hasProviders"] = true
      let label = t["continueWith"] ?? "{provider}"
      values["providers"] = page.view.providers.map {
        ["name": $0.name, "label": label.replacingOccurrences(of: "{provider}", with: $0.displayName)]
      }
    }
    if let problem = page.view.problem {
      values["problem"] = ["code": problem.code, "message": t["error.\(problem.code)"] ?? problem.detail ?? problem.title]
    }
    // The standard scopes in the page's words; a service's own in the words its catalogue gives.
    values["scopes"] = page.view.scopes.map { scope -> [String: String] in
      let own = page.view.scopeWords[scope].map { language == "ko" ? $0.ko : $0.en }
      return [
        "name": t["scope.\(scope)"] ?? scope,
        "description": own ?? t["scope.\(scope).description"] ?? t["scope.other.description"] ?? "",
      ]
    }
    values.merge(page.values) { _, new in new }
    Self.sayOutcome(&values, words: t)
    let html = library.render(values, withTemplate: page.template) ?? ""
    var headers = HTTPFields()
    headers[.contentType] = "text/html; charset=utf-8"
    headers[.cacheControl] = "no-store"
    headers[.contentSecurityPolicy] = Self.policy(formTargets: page.view.clientOrigin.map { [$0] } ?? [])
    headers[.contentLanguage] = language
    return Response(status: page.status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
  }

  /// What a console form did, named by key or problem code in `values`, in the reader's words.
  static func sayOutcome(_ values: inout [String: Any], words t: [String: String]) {
    if let key = values["noticeKey"] as? String, let text = t[key] { values["notice"] = text }
    if let key = values["outcomeKey"] as? String { values["outcome"] = t[key] ?? t["approve.outcome.other"] ?? key }
    if let code = values["problemCode"] as? String {
      values["problem"] = ["code": code, "message": t["error.\(code)"] ?? t["error.other"] ?? code]
    }
  }

  /// No inline script or style; forms post to us (and, for form_post or a redirect after a
  /// form, the client's origin); never framed.
  static func policy(formTargets: [String]) -> String {
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; connect-src 'self'; "
      + "form-action 'self'\(formTargets.map { " " + $0 }.joined()); frame-ancestors 'none'; base-uri 'none'"
  }

  private static let titleKeys: [String: (title: String, lead: String?)] = [
    "sign_in": ("signInTitle", "signInLead"), "sign_up": ("signUpTitle", "signUpLead"),
    "second_factor": ("secondFactorTitle", "secondFactorLead"),
    "consent": ("consentTitle", "consentLead"), "error": ("errorTitle", nil), "signed_out": ("signedOutTitle", "signedOutLead"),
    "confirm_logout": ("confirmLogoutTitle", "confirmLogoutLead"), "form_post": ("formPostTitle", nil),
    "account": ("accountTitle", nil), "account_totp": ("totpTitle", "totpLead"), "account_codes": ("codesTitle", "codesLead"),
    "leaving": ("leavingTitle", "leavingLead"),
    "approve": ("approveTitle", "approveLead"), "approve_result": ("approveResultTitle", nil),
    "admin": ("adminTitle", nil), "admin_service": ("adminServiceTitle", nil), "admin_secrets": ("secretsTitle", nil),
    "admin_step_up": ("stepUpTitle", "stepUpLead"), "admin_providers": ("providersTitle", nil),
    "admin_provider": ("providerTitle", nil), "admin_audit": ("auditTitle", nil), "admin_transactions": ("transactionsTitle", nil),
    "admin_users": ("usersTitle", nil), "admin_user": ("userTitle", nil),
    "email_verify": ("emailVerifyTitle", "emailVerifyLead"), "email_verified": ("emailVerifiedTitle", nil),
    "password_forgot": ("passwordForgotTitle", "passwordForgotLead"), "password_forgot_sent": ("passwordForgotSentTitle", nil),
    "password_reset": ("passwordResetTitle", "passwordResetLead"), "password_reset_done": ("passwordResetDoneTitle", nil),
    "email_resend": ("emailVerifyTitle", "emailResendLead"), "email_resend_sent": ("passwordForgotSentTitle", nil),
    "account_deleted": ("accountDeletedTitle", nil),
    "invitation_accept": ("invitationAcceptTitle", "invitationAcceptLead"), "invitation_accepted": ("invitationAcceptedTitle", nil),
  ]
}

extension HTTPField.Name {
  static let contentSecurityPolicy = Self("Content-Security-Policy")!
  static let contentLanguage = Self("Content-Language")!
}
