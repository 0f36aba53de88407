import Foundation
import Shared

/// Operators and accounts (docs/admin.md, "Users"): a SUPER_ADMIN or an AUDITOR finds and reads
/// any account with its personal data masked; a SUPER_ADMIN locks one (no sign-in, every session
/// ended) and unlocks it (also clearing wrong-password and second-factor lock-outs). A
/// SERVICE_ADMIN sees the members of its own services on their service instead.
struct UserAdministration: Sendable {
  let store: UserAdminStore
  let revocations: RevocationPublisher

  func search(_ request: UserSearch, actor: AdminActor) async throws -> UserSearchResult {
    _ = try Self.reader(actor)
    guard (1...100).contains(request.limit) else {
      throw RequestProblems.invalidField.problem("limit is 1 to 100.", field: "limit")
    }
    let typed = request.query?.trimmingCharacters(in: .whitespaces) ?? ""
    guard typed.count <= 254, (request.cursor?.count ?? 0) <= 200 else {
      throw RequestProblems.invalidField.problem("q is at most 254 characters.", field: "q")
    }
    let id = UUID(uuidString: typed)
    let email = id == nil && typed.contains("@") ? typed : nil
    let prefix = typed.isEmpty || id != nil || email != nil ? nil : Username.key(typed)
    let rows = try await store.search(prefix: prefix, email: email, id: id, after: request.cursor, limit: request.limit + 1)
    let page = rows.prefix(request.limit)
    return UserSearchResult(
      users: page.map { Self.summary($0.0) }, nextCursor: rows.count > request.limit ? page.last?.1 : nil)
  }

  func user(_ request: UserAdminRequest, actor: AdminActor) async throws -> AdminUserView {
    _ = try Self.reader(actor)
    return try await view(try Self.userID(request))
  }

  func lock(_ request: UserAdminRequest, actor: AdminActor, requestID: String?) async throws -> AdminUserView {
    let admin = try Self.superAdmin(actor)
    let userID = try Self.userID(request)
    guard userID != admin else {
      throw ServiceAdminProblems.ownAccount.problem("Another SUPER_ADMIN locks an admin's account.")
    }
    // No such account changes nothing and is the view's 404.
    if let version = try await store.lock(userID: userID, by: admin, requestID: requestID, client: request.client) {
      try await revocations.raise(userID: userID.uuidString.lowercased(), to: version)
    }
    return try await view(userID)
  }

  func unlock(_ request: UserAdminRequest, actor: AdminActor, requestID: String?) async throws -> AdminUserView {
    let admin = try Self.superAdmin(actor)
    let userID = try Self.userID(request)
    _ = try await store.unlock(userID: userID, by: admin, requestID: requestID, client: request.client)
    return try await view(userID)
  }

  /// Signs the account out everywhere (a stolen device, a person who asks): its sessions and
  /// signed-in browsers end and its access tokens stop verifying; it may sign in again.
  func signOut(_ request: UserAdminRequest, actor: AdminActor, requestID: String?) async throws -> AdminUserView {
    let admin = try Self.superAdmin(actor)
    let userID = try Self.userID(request)
    guard let version = try await store.signOut(userID: userID, by: admin, requestID: requestID, client: request.client) else {
      throw Self.notFound
    }
    try await revocations.raise(userID: userID.uuidString.lowercased(), to: version)
    return try await view(userID)
  }

  private func view(_ userID: UUID) async throws -> AdminUserView {
    guard let row = try await store.user(id: userID) else { throw Self.notFound }
    let (memberships, open) = try await store.memberships(userID: userID)
    return AdminUserView(user: Self.summary(row), memberships: memberships, openSessions: open)
  }

  // MARK: rules

  static func reader(_ actor: AdminActor) throws(Problem) -> PlatformRole {
    guard UUID(uuidString: actor.userID) != nil, let role = PlatformRole(rawValue: actor.platformRole),
      role == .superAdmin || role == .auditor
    else { throw ServiceAdminProblems.forbidden.problem("Accounts across services are a SUPER_ADMIN's or an AUDITOR's to read.") }
    return role
  }

  static func superAdmin(_ actor: AdminActor) throws(Problem) -> UUID {
    guard let id = UUID(uuidString: actor.userID), actor.platformRole == PlatformRole.superAdmin.rawValue else {
      throw ServiceAdminProblems.forbidden.problem("Only a SUPER_ADMIN locks or unlocks an account.")
    }
    return id
  }

  static func userID(_ request: UserAdminRequest) throws(Problem) -> UUID {
    guard let id = UUID(uuidString: request.userID) else { throw notFound }
    return id
  }

  static let notFound = AccountProblems.accountNotFound.problem("No such account.")

  static func summary(_ row: UserAdminStore.Row) -> AdminUserSummary {
    AdminUserSummary(
      id: row.id.uuidString.lowercased(), username: row.username,
      maskedName: Masked.name(UserSummary.fullName(first: row.firstName, last: row.lastName)), maskedEmail: Masked.email(row.email),
      emailVerified: row.emailVerified, platformRole: row.platformRole, active: row.active, mfaEnabled: row.mfaEnabled,
      signInLockedUntil: row.signInLockedUntil, createdAt: row.createdAt, lastLoginAt: row.lastLoginAt)
  }
}
