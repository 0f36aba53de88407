import Foundation
import Shared

/// Account-security changes (linking a social account, enrolling a second factor, changing the
/// password) are made only from the deployment's own apps: a token of any other service, which a
/// third-party app holds, cannot make them (docs/security.md).
struct FirstParty: Sendable {
  let services: ServiceStore
  let store: AccountSecurityStore

  /// The service `slug` names, when the operator marked it first-party; 403 otherwise.
  func require(_ slug: String) async throws -> ServiceRecord {
    guard let service = try await services.find(slug: slug), try await store.isFirstParty(serviceID: service.id) else {
      throw AccountProblems.firstPartyRequired.problem(
        "Account security is changed only from the deployment's own apps, not from \(slug).")
    }
    return service
  }
}
