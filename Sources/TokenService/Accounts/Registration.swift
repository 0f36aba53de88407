import Foundation
import Logging
import PostgresNIO
import Shared

/// `token.register`: a new account in one service.
struct Registration: Sendable {
  let services: ServiceStore
  let accounts: AccountStore
  let hasher: PasswordHasher

  func register(_ request: RegisterRequest, requestID: String?) async throws -> RegisterResponse {
    let account = try NewAccount(request.body)
    let service = try await services.open(slug: request.body.service)
    guard service.autoCreateUser else {
      throw AccountProblems.registrationClosed.problem("The service \(service.slug) does not accept new accounts.")
    }
    let hash = try await hasher.hash(account.password)
    let user = try await accounts.register(account, passwordHash: hash, service: service, client: request.client, requestID: requestID)
    var summary = service.summary
    summary.role = "user"
    return RegisterResponse(user: user, service: summary)
  }
}
