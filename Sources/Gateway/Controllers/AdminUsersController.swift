import Foundation
import Hummingbird
import Shared

/// `/admin/users`: accounts across services (docs/admin.md, "Users"), found by username,
/// address or id and shown with personal data masked; a SUPER_ADMIN locks, unlocks and resets a
/// lost second factor on the account's page. The same RPCs and rules as the API.
struct AdminUsersController: Sendable {
  let rpc: RPCClient
  let admin: AdminPages

  func addRoutes(to group: RouterGroup<SignedInContext>) {
    group.get(use: search)
      .get("{id}", use: user)
      .post("{id}/lock", use: lock)
      .post("{id}/unlock", use: unlock)
      .post("{id}/sign-out", use: signOut)
      .post("{id}/mfa/reset", use: resetMFA)
  }

  /// `GET /admin/users?q=&cursor=`.
  @Sendable func search(_ request: Request, context: SignedInContext) async throws -> Response {
    await admin.page("admin_users", request, context) { _ in
      _ = try context.adminSession()
      let search = try UserSearch.read(request)
      let result = try await rpc.call(TokenRPC.searchUsers, search, context: context.rpcContext)
      return AdminUserViews.list(result, search: search)
    }
  }

  @Sendable func user(_ request: Request, context: SignedInContext) async throws -> Response {
    await admin.page("admin_user", request, context) { _ in
      _ = try context.adminSession()
      let target = try target(request, context)
      // The phone number is idp-service's: without it the rest of the page still shows.
      async let identity = rpc.call(IdPRPC.adminProfile, target, context: context.rpcContext)
      let view = try await rpc.call(TokenRPC.adminUser, target, context: context.rpcContext)
      return AdminUserViews.user(
        view, identity: try? await identity, canChange: context.user.platformRole == PlatformRole.superAdmin.rawValue)
    }
  }

  @Sendable func lock(_ request: Request, context: SignedInContext) async throws -> Response {
    await change(request, context) { _ = try await rpc.call(TokenRPC.lockUser, $0, context: context.rpcContext) }
  }

  @Sendable func unlock(_ request: Request, context: SignedInContext) async throws -> Response {
    await change(request, context) { _ = try await rpc.call(TokenRPC.unlockUser, $0, context: context.rpcContext) }
  }

  @Sendable func signOut(_ request: Request, context: SignedInContext) async throws -> Response {
    await change(request, context) { _ = try await rpc.call(TokenRPC.signOutUser, $0, context: context.rpcContext) }
  }

  /// The second factor's recovery (docs/admin.md, "TOTP MFA"): every session of the account ends.
  @Sendable func resetMFA(_ request: Request, context: SignedInContext) async throws -> Response {
    await change(request, context) { target in
      _ = try context.platformAdmin()
      _ = try await rpc.call(TokenRPC.resetMFA, MFAResetRequest(userID: target.userID), context: context.rpcContext)
    }
  }

  private func change(
    _ request: Request, _ context: SignedInContext, _ body: (UserAdminRequest) async throws -> Void
  ) async -> Response {
    // Back to the account's page; an id that is none goes back to the search, never into a path.
    let id = context.parameters.get("id").flatMap(UUID.init(uuidString:))?.uuidString.lowercased()
    return await admin.change(request, context, backTo: id.map { "/admin/users/\($0)" } ?? "/admin/users") { _ in
      _ = try context.adminSession()
      try await body(try target(request, context))
    }
  }

  private func target(_ request: Request, _ context: SignedInContext) throws -> UserAdminRequest {
    UserAdminRequest(userID: try context.parameters.require("id"), client: context.client(request))
  }
}
