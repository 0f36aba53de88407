// Social/: token-service's side of social sign-in (docs/social.md). social-service runs the flows and
// owns the links; token-service owns users, memberships and sessions, so it answers these.
import Foundation
import Shared

struct SocialAccounts: Sendable {
  let store: SocialAccountStore
  let services: ServiceStore
  let logins: LoginStore
  let tokens: TokenIssuer
  let multiFactor: MultiFactor

  func settings(_ query: SocialServiceQuery) async throws -> SocialServiceSettings {
    guard let settings = try await store.settings(slug: query.service) else {
      throw ServiceAdminProblems.serviceNotFound.problem("No service named \(query.service).")
    }
    return settings
  }

  /// The user a provider's profile belongs to when no link exists yet. Joining an existing
  /// account by e-mail needs both sides verified: the provider's claim, and the account's own
  /// address (else whoever registered someone else's address first would receive their
  /// provider sign-ins). Otherwise a new account without a password is made (when the service
  /// lets sign-in create accounts); it takes the provider's address only when the provider
  /// verified it, so an unverified claim never occupies an address. A verified address held by
  /// an unverified account is a 409.
  func user(_ query: SocialUserQuery, requestID: String?) async throws -> SocialUserAnswer {
    let verifiedEmail = query.emailVerified ? query.email : nil
    if let email = verifiedEmail, let existing = try await store.user(email: email) {
      guard existing.verified else {
        throw AccountProblems.emailInUse.problem(
          "An account with this e-mail exists. Sign in to it and link \(query.provider) from the account settings.")
      }
      return SocialUserAnswer(userID: existing.id.uuidString.lowercased(), created: false)
    }
    guard let service = try await services.find(slug: query.service) else {
      throw ServiceAdminProblems.serviceNotFound.problem("No service named \(query.service).")
    }
    guard service.autoCreateUser else {
      throw AccountProblems.registrationClosed.problem("\(service.slug) does not create accounts at sign-in.")
    }
    let email = verifiedEmail ?? "\(query.provider)-\(SecureRandom.hex(bytes: 8))@users.invalid"
    let base = Self.usernameBase(query)
    for _ in 0..<5 {
      let username = "\(base)_\(SecureRandom.hex(bytes: 3))"
      if let id = try await store.create(
        username: username, email: email, emailVerified: verifiedEmail != nil,
        firstName: String((query.firstName ?? "").prefix(150)), lastName: String((query.lastName ?? "").prefix(150)),
        serviceID: service.id, provider: query.provider, requestID: requestID)
      {
        return SocialUserAnswer(userID: id.uuidString.lowercased(), created: true)
      }
    }
    throw Problem.internalError()
  }

  /// A readable start for the new account's username: the provider's username, else the
  /// e-mail's local part, else the provider's name (lowercase letters, digits, `.`, `-`, `_`).
  static func usernameBase(_ query: SocialUserQuery) -> String {
    let candidates = [query.username, query.email?.split(separator: "@").first.map(String.init), query.provider]
    for candidate in candidates.compactMap({ $0 }) {
      let cleaned = String(candidate.lowercased().filter { ($0.isASCII && ($0.isLetter || $0.isNumber)) || "._-".contains($0) }.prefix(40))
      if cleaned.count >= 2 { return cleaned }
    }
    return query.provider
  }

  /// Opens the session of a social sign-in: the same rules as a password sign-in after the
  /// password (membership created when the service allows it, statuses enforced, MFA asked for
  /// when the user has it on).
  func session(_ request: SocialSessionRequest, requestID: String?) async throws -> TokenGrant {
    guard let id = UUID(uuidString: request.userID), let account = try await logins.account(id: id) else {
      throw AccountProblems.accountNotFound.problem("No such account.")
    }
    guard account.isActive else {
      throw SignInProblems.accountDisabled.problem("This account is disabled.")
    }
    let service = try await services.open(slug: request.service)
    guard service.allowedClientTypes.contains(request.clientType.rawValue) else {
      throw SignInProblems.clientTypeNotAllowed.problem(
        "\(service.slug) does not accept \(request.clientType.rawValue) clients.",
        field: "client_type")
    }
    if account.mfaEnabled {
      try await multiFactor.requireSecondFactor(
        account: account, service: service, clientType: request.clientType, rememberMe: false,
        method: request.provider, client: request.client, requestID: requestID)
    }
    let opened = try await logins.postgres.transaction(logger: logins.logger) { connection in
      try await logins.open(
        account: account, service: service, clientType: request.clientType, rememberMe: false, secondFactor: nil,
        method: request.provider, client: request.client, requestID: requestID, on: connection)
    }
    return try await tokens.grant(account: account, service: service, opened: opened, clientType: request.clientType)
  }

  func loginMethods(_ request: SocialUserRequest) async throws -> LoginMethods {
    guard let id = UUID(uuidString: request.userID), let has = try await store.hasPassword(userID: id) else {
      throw AccountProblems.accountNotFound.problem("No such account.")
    }
    return LoginMethods(hasPassword: has)
  }
}
