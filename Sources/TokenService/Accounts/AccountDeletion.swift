import Foundation
import Shared

/// Leaving (docs/leaving.md): a person deletes their own account after proving it is them (the
/// account-security gate: a first-party app, and the password or a second factor within 10
/// minutes). Everything of the account in `token` goes in one transaction with the audit rows
/// about it minimised; its access tokens stop verifying at once; social-service and idp-service
/// erase their part within seconds (an outbox job). An owner of open services, and the last
/// SUPER_ADMIN, are refused: what they hold must pass to someone first.
struct AccountDeletion: Sendable {
  let reauthentication: Reauthentication
  let services: ServiceStore
  let store: AccountDeletionStore
  let revocations: RevocationPublisher

  func delete(_ request: AccountDeletionRequest, caller: SignedInCaller, requestID: String?) async throws -> AccountDeleted {
    _ = try await reauthentication.check(
      ReauthenticationRequest(purpose: "account_deletion", currentPassword: request.body.currentPassword, client: request.client),
      caller: caller, requestID: requestID)
    guard let userID = UUID(uuidString: caller.userID),
      let outcome = try await store.delete(
        userID: userID, serviceID: try await services.find(slug: caller.service)?.id, requestID: requestID, refuse: Self.refuse)
    else {
      throw AccountProblems.accountNotFound.problem("No such account.")
    }
    try await revocations.raise(userID: caller.userID, to: outcome.tokenVersion)
    await store.dispatch(outcome.erasure)
    return AccountDeleted(
      deletedAt: Date(), sessionsEnded: outcome.sessionsEnded, membershipsEnded: outcome.membershipsEnded,
      auditRowsMinimised: outcome.auditRowsMinimised)
  }

  @Sendable static func refuse(_ facts: AccountDeletionStore.Facts) throws {
    if !facts.ownedServices.isEmpty {
      let owned = facts.ownedServices.joined(separator: ", ")
      throw AccountProblems.ownsServices.problem(
        "This account owns \(owned); delete them, or have an operator give them to someone else, first.")
    }
    if facts.platformRole == PlatformRole.superAdmin.rawValue && facts.otherSuperAdmins == 0 {
      throw AccountProblems.lastSuperAdmin.problem("Make another account SUPER_ADMIN before deleting the last one.")
    }
  }
}
