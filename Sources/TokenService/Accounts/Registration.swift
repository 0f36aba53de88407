import Foundation
import Logging
import PostgresNIO
import Shared

/// `token.register`: a new account in one service, and the mail that verifies its address. The
/// other ways an account is made (an admin's, an invitation's) go through `create` too, under the
/// same rules.
struct Registration: Sendable {
  let services: ServiceStore
  let accounts: AccountStore
  let hasher: PasswordHasher
  let passwords: PasswordPolicy
  /// The current agreement versions (Agreements): registering accepts the terms and the privacy
  /// policy, and marketing when the person said so.
  let agreementVersions: [String: String]
  /// Nil when the deployment sends no mail: the address then stays unverified.
  let mail: MailOutbox?

  func register(_ request: RegisterRequest, requestID: String?) async throws -> RegisterResponse {
    let account = try NewAccount(request.body)
    try await passwords.check(account.password, field: "password", owner: (account.username, account.email))
    let service = try await services.open(slug: request.body.service)
    guard service.autoCreateUser else {
      throw AccountProblems.registrationClosed.problem("The service \(service.slug) does not accept new accounts.")
    }
    var origin = AccountStore.Origin(agreements: agreementVersions.filter { $0.key != "marketing" })
    if account.marketingConsent { origin.agreements["marketing"] = agreementVersions["marketing"] }
    let user = try await store(account, in: service, origin: origin, client: request.client, requestID: requestID)
    var summary = service.summary
    summary.role = "user"
    return RegisterResponse(user: user, service: summary)
  }

  /// An account of `service` under the registration rules and the password policy, made as
  /// `origin` says (an admin's, an invitation's).
  func create(
    _ body: RegisterBody, in service: ServiceRecord, origin: AccountStore.Origin, client: ClientInfo, requestID: String?
  ) async throws -> UserSummary {
    let account = try NewAccount(body)
    try await passwords.check(account.password, field: "password", owner: (account.username, account.email))
    return try await store(account, in: service, origin: origin, client: client, requestID: requestID)
  }

  /// The checked account stored, and its verification mail sent (unless an invitation proved the address).
  private func store(
    _ account: NewAccount, in service: ServiceRecord, origin: AccountStore.Origin, client: ClientInfo, requestID: String?
  ) async throws -> UserSummary {
    let hash = try await hasher.hash(account.password)
    let (user, job) = try await accounts.register(
      account, passwordHash: hash, service: service, client: client, requestID: requestID, mail: mail, origin: origin)
    if let job { await mail?.dispatch([job]) }
    return user
  }
}
