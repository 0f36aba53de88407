import Foundation
import HTTPTypes
import Hummingbird
import Shared

/// What `/account` shows, as the template's values: the profile, the second factor's state, the
/// sessions and browser sessions, the apps allowed in, and what the last form did.
struct AccountOverview {
  let profile: Profile
  let sessions: SessionList
  let consents: ConsentList
  /// The latest verification requests, or nil when idp-service did not answer.
  let history: History?
  /// The linked accounts and the providers to link, or nil when social-service did not answer.
  let social: SignInMethods?

  /// The identity-verification profile: the person's, none yet, or idp-service did not answer.
  let identity: IdentityState
  /// The person's passkeys, or nil when token-service did not answer that part.
  let passkeys: PasskeyList?
  /// The latest sign-ins and failed attempts, or nil when token-service did not answer that part.
  let signIns: SignInHistory?
  /// What the person agreed to, or nil when token-service did not answer that part.
  let agreements: AgreementList?

  enum IdentityState {
    case profile(IdentityProfileView)
    case none
    case unavailable
  }

  struct SignInMethods {
    let linked: LinkedAccountList
    let providers: SocialProviderList
  }

  func values(request: Request) -> [String: Any] {
    var values = ConsoleForm.outcome(request)
    var user: [String: Any] = [
      "username": profile.username, "email": profile.email, "firstName": profile.firstName, "lastName": profile.lastName,
      "fullName": profile.fullName.isEmpty ? profile.username : profile.fullName, "emailVerified": profile.emailVerified,
      "languageKo": profile.preferredLanguage == "ko", "languageEn": profile.preferredLanguage != "ko",
      "canResend": !profile.emailVerified || profile.pendingEmail != nil,
    ]
    // Only when one waits: mustache shows a section for an empty string too.
    if let pending = profile.pendingEmail { user["pendingEmail"] = pending }
    values["user"] = user
    values["mfaEnabled"] = profile.mfaEnabled
    values["sessions"] = sessions.sessions.map { session -> [String: Any] in
      [
        "id": session.id, "service": session.service, "clientType": session.clientType, "ip": session.ip ?? "",
        "device": DeviceName.of(session.userAgent), "lastUsed": Self.time(session.lastUsedAt), "current": session.current,
      ]
    }
    values["browserSessions"] = sessions.browserSessions.map { browser -> [String: Any] in
      [
        "id": browser.id, "ip": browser.ip ?? "", "device": DeviceName.of(browser.userAgent),
        "methods": browser.amr.joined(separator: " · "),
        "lastSeen": Self.time(browser.lastSeenAt), "expires": Self.time(browser.expiresAt),
      ]
    }
    values["hasBrowserSessions"] = !sessions.browserSessions.isEmpty
    values["consents"] = consents.consents.map { consent -> [String: Any] in
      [
        "service": consent.service, "name": consent.name, "scopes": consent.scopes.joined(separator: " "),
        "granted": Self.time(consent.grantedAt),
      ]
    }
    values["hasConsents"] = !consents.consents.isEmpty
    values["history"] = (history?.requests ?? []).map { item -> [String: Any] in
      [
        "provider": item.serviceProvider, "purpose": item.purpose, "status": item.status.rawValue.lowercased(),
        "completed": item.status == .completed, "time": Self.time(item.createdAt),
        "statusKey": ["is_\(item.status.rawValue.lowercased())": true],
      ]
    }
    values["hasHistory"] = !(history?.requests.isEmpty ?? true)
    values["historyUnavailable"] = history == nil
    values["hasPassword"] = profile.hasPassword
    if let social { values.merge(Self.values(social)) { $1 } } else { values["socialUnavailable"] = true }
    // A deployment with no provider configured has nothing to show there, unless links remain.
    values["showSocial"] = social.map { !$0.linked.accounts.isEmpty || !$0.providers.providers.isEmpty } ?? true
    values.merge(Self.values(identity)) { $1 }
    values.merge(signInValues()) { $1 }
    return values
  }

  /// The proven number, the one waiting for its code, or the set-up form.
  static func values(_ identity: IdentityState) -> [String: Any] {
    switch identity {
    case .unavailable: return ["identityUnavailable": true]
    case .none: return ["noIdentityProfile": true]
    case .profile(let profile):
      var values: [String: Any] = ["identityProfile": true]
      if let number = profile.userPhoneNumber { values["phone"] = number }
      if let pending = profile.phoneVerification {
        values["pendingPhone"] = [
          "number": pending.userPhoneNumber, "expires": time(pending.expiresAt), "attemptsLeft": pending.attemptsLeft,
        ]
      }
      return values
    }
  }

  /// The linked accounts, each with the provider's name, and the configured providers not yet linked.
  static func values(_ social: SignInMethods) -> [String: Any] {
    let names = Dictionary(social.providers.providers.map { ($0.name, $0.displayName) }) { first, _ in first }
    let linked = Set(social.linked.accounts.map(\.provider))
    return [
      "linked": social.linked.accounts.map { account -> [String: Any] in
        [
          "provider": account.provider, "name": names[account.provider] ?? account.provider.capitalized,
          "account": account.email ?? account.displayName ?? account.providerUserID, "linkedAt": time(account.linkedAt),
        ]
      },
      "hasLinked": !social.linked.accounts.isEmpty,
      "linkable": social.providers.providers.filter { !linked.contains($0.name) }.map { ["provider": $0.name, "name": $0.displayName] },
      "hasLinkable": social.providers.providers.contains { !linked.contains($0.name) },
    ]
  }

  /// The ways in and what the person agreed to: passkeys, recent sign-ins, agreements.
  private func signInValues() -> [String: Any] {
    var values: [String: Any] = [:]
    values["passkeys"] = (passkeys?.passkeys ?? []).map { passkey -> [String: Any] in
      var row: [String: Any] = [
        "id": passkey.id, "name": passkey.name, "created": Self.time(passkey.createdAt), "synced": passkey.backedUp,
      ]
      if let used = passkey.lastUsedAt { row["lastUsed"] = Self.time(used) }
      return row
    }
    values["hasPasskeys"] = !(passkeys?.passkeys.isEmpty ?? true)
    values["passkeysUnavailable"] = passkeys == nil
    values["signIns"] = (signIns?.events ?? []).map(Self.signIn)
    values["signInsUnavailable"] = signIns == nil
    values["agreements"] = (agreements?.agreements ?? []).map { agreement -> [String: Any] in
      var row: [String: Any] = [
        "kind": agreement.kind, "is": [agreement.kind: true], "version": agreement.version, "accepted": Self.time(agreement.acceptedAt),
        "current": agreement.current,
      ]
      if let withdrawn = agreement.withdrawnAt { row["withdrawn"] = Self.time(withdrawn) }
      return row
    }
    values["marketingOn"] = agreements?.agreements.contains { $0.kind == "marketing" && $0.withdrawnAt == nil } ?? false
    values["agreementsUnavailable"] = agreements == nil
    return values
  }

  /// One sign-in as the page shows it: how (`how.password`, `how.passkey`, `how.provider`,
  /// `how.code`), with a second step or not, and for a failure what was wrong.
  static func signIn(_ event: SignInEvent) -> [String: Any] {
    let amr = Set(event.method.split(separator: " ").map(String.init))
    var how = "provider"
    switch event.method {
    case "password": how = "password"
    case "passkey": how = "passkey"
    case "second_factor": how = "code"
    default:
      if amr.contains("pwd") { how = "password" } else if amr.contains("hwk") { how = "passkey" }
    }
    var row: [String: Any] = [
      "how": [how: true], "method": how, "failed": event.outcome != "success", "service": event.service ?? "", "ip": event.ip ?? "—",
      "device": event.device, "time": time(event.at), "locked": event.detail?.hasSuffix("locked") == true,
      "twoStep": event.outcome == "success" && how == "password" && (event.detail != nil || amr.contains("mfa")),
    ]
    if how == "provider" { row["provider"] = amr.contains("fed") ? "" : event.method.capitalized }
    return row
  }

  /// Minutes are enough to recognise a session; UTC, as the audit log writes it.
  /// Written from `InternetTime` (`2026-12-07T14:36:05Z` → `2026-12-07 14:36 UTC`), the same text
  /// a Foundation format style gives (tested) without one per date: a 50-row page writes up to 100.
  static func time(_ date: Date) -> String {
    let written = InternetTime.format(date)
    guard written.utf8.count == 20 else { return written }
    return written.prefix(10) + " " + written.dropFirst(11).prefix(5) + " UTC"
  }
}

/// The console's forms: where each goes back to, with what happened, and the page view.
enum ConsoleForm {
  /// Back to `page` (at `section`), saying what happened (`done` or `problem`, a code).
  static func back(
    to page: String, section: String? = nil, outcome: (name: String, value: String), cookies: [String] = []
  ) -> Response {
    let location = "\(page)?\(URLQuery.encode([outcome]))" + (section.map { "#\($0)" } ?? "")
    var response = Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    for cookie in cookies { response.headers.append(HTTPField(name: .setCookie, value: cookie)) }
    return response
  }

  /// What the last form did, from the redirect's query: only codes, never text, reach the page,
  /// which says them in the reader's words.
  static func outcome(_ request: Request) -> [String: Any] {
    let query = request.uri.queryParameters
    func code(_ name: String) -> String? {
      guard let value = query[Substring(name)].map(String.init), value.wholeMatch(of: /[a-z_]{1,64}/) != nil else { return nil }
      return value
    }
    var values: [String: Any] = [:]
    if let done = code("done") { values["noticeKey"] = "account.done.\(done)" }
    if let problem = code("problem") { values["problemCode"] = problem }
    return values
  }

  /// A console page, in the person's own language first.
  static func view(_ template: String, profile: Profile, request: Request) -> PageView {
    PageView(
      name: template, serviceName: AccountConsoleClient.name,
      languages: [profile.preferredLanguage] + BrowserCookies.acceptLanguages(request))
  }

  /// The second factor a form proves: a TOTP code or a backup code.
  static func proof(_ form: [String: String]) -> MFACodeBody { MFACodeBody.typed(form["code"] ?? "") }
}
