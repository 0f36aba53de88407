import Foundation
import Logging
import PostgresNIO
import Shared

/// `token.register`: a new account in one service, and the mail that verifies its address.
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
    let hash = try await hasher.hash(account.password)
    var agreements = agreementVersions.filter { $0.key != "marketing" }
    if account.marketingConsent { agreements["marketing"] = agreementVersions["marketing"] }
    let (user, job) = try await accounts.register(
      account, passwordHash: hash, service: service, client: request.client, requestID: requestID, mail: mail, agreements: agreements)
    if let job { await mail?.dispatch([job]) }
    var summary = service.summary
    summary.role = "user"
    return RegisterResponse(user: user, service: summary)
  }
}
