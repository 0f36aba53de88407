import Hummingbird
import Shared

/// `/api/v1/services*`: the services admin API (docs/admin.md). The gateway checks the token (and
/// a recent second factor when the caller has MFA on) and passes the caller's platform role,
/// service and permissions; token-service decides what it may do. Creating and listing services
/// is for platform admins only.
struct ServiceAdminController: Sendable {
  let rpc: RPCClient

  func addRoutes(to group: RouterGroup<SignedInContext>) {
    group.post(use: create)
      .get(use: list)
      .get(":slug", use: show)
      .patch(":slug", use: update)
      .delete(":slug", use: delete)
      .post(":slug/credentials", use: rotateSecret)
      .get(":slug/stats", use: stats)
      .get(":slug/users", use: members)
      .post(":slug/users", use: addMember)
      .post(":slug/invitations", use: invite)
      .patch(":slug/users/:user_id", use: updateMember)
  }

  @Sendable func create(_ request: Request, context: SignedInContext) async throws -> Response {
    try await call(TokenRPC.createService, context, status: .created, platformOnly: true) {
      ServiceAdminRequest(
        settings: try await JSONBody.decode(ServiceSettingsBody.self, from: request),
        client: context.client(request))
    }
  }

  @Sendable func list(_ request: Request, context: SignedInContext) async throws -> Response {
    try await call(TokenRPC.listServices, context, platformOnly: true) {
      ServiceAdminRequest(client: context.client(request))
    }
  }

  @Sendable func show(_ request: Request, context: SignedInContext) async throws -> Response {
    try await call(TokenRPC.getService, context) { try slugRequest(request, context) }
  }

  @Sendable func update(_ request: Request, context: SignedInContext) async throws -> Response {
    try await call(TokenRPC.updateService, context) {
      ServiceAdminRequest(
        slug: try context.parameters.require("slug"),
        settings: try await JSONBody.decode(ServiceSettingsBody.self, from: request),
        client: context.client(request))
    }
  }

  @Sendable func delete(_ request: Request, context: SignedInContext) async throws -> Response {
    try await call(TokenRPC.deleteService, context) { try slugRequest(request, context) }
  }

  @Sendable func rotateSecret(_ request: Request, context: SignedInContext) async throws -> Response {
    try await call(TokenRPC.rotateServiceSecret, context) { try slugRequest(request, context) }
  }

  @Sendable func stats(_ request: Request, context: SignedInContext) async throws -> Response {
    try await call(TokenRPC.serviceStats, context) { try slugRequest(request, context) }
  }

  @Sendable func members(_ request: Request, context: SignedInContext) async throws -> Response {
    try await call(TokenRPC.serviceMembers, context) {
      let query = request.uri.queryParameters
      guard let limit = Int(String(query["limit"] ?? "50")) else {
        throw RequestProblems.invalidField.problem("limit is a number.", field: "limit")
      }
      return ServiceAdminRequest(
        slug: try context.parameters.require("slug"),
        query: MemberQuery(
          role: query["role"].map(String.init), status: query["status"].map(String.init), limit: limit,
          cursor: query["cursor"].map(String.init)),
        client: context.client(request))
    }
  }

  /// An existing account, or a new one, as a member (docs/admin.md, "Members").
  @Sendable func addMember(_ request: Request, context: SignedInContext) async throws -> Response {
    try await call(TokenRPC.addServiceMember, context, status: .created) {
      ServiceAdminRequest(
        slug: try context.parameters.require("slug"), newMember: try await JSONBody.decode(NewMemberBody.self, from: request),
        client: context.client(request))
    }
  }

  @Sendable func updateMember(_ request: Request, context: SignedInContext) async throws -> Response {
    try await call(TokenRPC.updateServiceMember, context) {
      ServiceAdminRequest(
        slug: try context.parameters.require("slug"),
        memberID: try context.parameters.require("user_id"),
        member: try await JSONBody.decode(MemberChanges.self, from: request), client: context.client(request))
    }
  }

  /// A request about the service named in the path.
  private func slugRequest(_ request: Request, _ context: SignedInContext) throws -> ServiceAdminRequest {
    ServiceAdminRequest(slug: try context.parameters.require("slug"), client: context.client(request))
  }

  /// Checks the caller may use admin routes at all (a platform role too when `platformOnly`)
  /// before `build` reads the request, then passes token-service's answer on as it is.
  /// An address invited with a role: the mail's link makes the account (docs/admin.md, "Members").
  @Sendable func invite(_ request: Request, context: SignedInContext) async throws -> Response {
    _ = try context.adminSession()
    let invite = InviteRequest(
      slug: try context.parameters.require("slug"), body: try await JSONBody.decode(InviteBody.self, from: request),
      client: context.client(request))
    return JSONResponse.relayed(try await rpc.relay(TokenRPC.invite, invite, context: context.rpcContext), status: .accepted)
  }

  private func call<Answer: Codable & Sendable>(
    _ method: RPCMethod<ServiceAdminRequest, Answer>, _ context: SignedInContext, status: HTTPResponse.Status = .ok,
    platformOnly: Bool = false, _ build: () async throws -> ServiceAdminRequest
  ) async throws -> Response {
    _ = platformOnly ? try context.platformAdmin() : try context.adminSession()
    return JSONResponse.relayed(try await rpc.relay(method, try await build(), context: context.rpcContext), status: status)
  }
}
