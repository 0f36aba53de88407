import Hummingbird
import Shared

/// `/api/v1/users` for operators (docs/admin.md, "Users"): find and read any account with its
/// personal data masked (SUPER_ADMIN, AUDITOR), lock, unlock and sign one out everywhere (SUPER_ADMIN). Admin routes:
/// a caller with MFA on must have passed it recently; token-service decides by platform role.
struct UserAdminController: Sendable {
  let rpc: RPCClient

  func addRoutes(to group: RouterGroup<SignedInContext>) {
    group.get(use: search)
      .get(":user_id", use: user)
      .post(":user_id/lock", use: lock)
      .post(":user_id/unlock", use: unlock)
      .post(":user_id/sign-out", use: signOut)
  }

  /// `GET /api/v1/users?q=&cursor=&limit=`.
  @Sendable func search(_ request: Request, context: SignedInContext) async throws -> Response {
    _ = try context.adminSession()
    let search = try UserSearch.read(request)
    return JSONResponse.relayed(try await rpc.relay(TokenRPC.searchUsers, search, context: context.rpcContext))
  }

  @Sendable func user(_ request: Request, context: SignedInContext) async throws -> Response {
    try await relay(TokenRPC.adminUser, request, context)
  }

  @Sendable func lock(_ request: Request, context: SignedInContext) async throws -> Response {
    try await relay(TokenRPC.lockUser, request, context)
  }

  @Sendable func unlock(_ request: Request, context: SignedInContext) async throws -> Response {
    try await relay(TokenRPC.unlockUser, request, context)
  }

  /// Every session and signed-in browser of the account ends; it may sign in again.
  @Sendable func signOut(_ request: Request, context: SignedInContext) async throws -> Response {
    try await relay(TokenRPC.signOutUser, request, context)
  }

  private func relay(
    _ method: RPCMethod<UserAdminRequest, AdminUserView>, _ request: Request, _ context: SignedInContext
  ) async throws -> Response {
    _ = try context.adminSession()
    let call = UserAdminRequest(userID: try context.parameters.require("user_id"), client: context.client(request))
    return JSONResponse.relayed(try await rpc.relay(method, call, context: context.rpcContext))
  }
}

extension UserSearch {
  /// The query string of the route and of the admin console's users page.
  static func read(_ request: Request) throws -> UserSearch {
    UserSearch(
      query: Query.optional(request, "q"), cursor: Query.optional(request, "cursor"),
      limit: try Query.number(request, "limit", fallback: 50))
  }
}
