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
    let (user, job) = try await accounts.register(
      account, passwordHash: hash, service: service, client: request.client, requestID: requestID, mail: mail)
    if let job { await mail?.dispatch([job]) }
    var summary = service.summary
    summary.role = "user"
    return RegisterResponse(user: user, service: summary)
  }
}
