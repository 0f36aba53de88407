import Hummingbird
import Shared

/// `/api/v1/idp/service-providers*` and `/api/v1/idp/transactions`: the SP admin API for
/// platform admins (docs/idp.md); idp-service decides per SP.
struct IdPAdminController: Sendable {
  let rpc: RPCClient

  /// `group` is `/api/v1/idp/service-providers`, `acrossProviders` `/api/v1/idp/transactions`.
  func addRoutes(to group: RouterGroup<SignedInContext>, acrossProviders: RouterGroup<SignedInContext>) {
    acrossProviders.get(use: allTransactions)
    group.post(use: create)
      .get(use: list)
      .patch(":client_id", use: update)
      .post(":client_id/secret", use: rotateSecret)
      .post(":client_id/result-key", use: rotateResultKey)
      .post(":client_id/deliveries/:delivery_id/resend", use: resendDelivery)
      .get(":client_id/stats", use: stats)
      .get(":client_id/deliveries", use: deliveries)
      .get(":client_id/transactions", use: transactions)
  }

  @Sendable func create(_ request: Request, context: SignedInContext) async throws -> Response {
    try await call(IdPRPC.createServiceProvider, context, status: .created) {
      SPAdminRequest(body: try await JSONBody.decode(ServiceProviderBody.self, from: request))
    }
  }

  @Sendable func list(_ request: Request, context: SignedInContext) async throws -> Response {
    try await call(IdPRPC.listServiceProviders, context) { SPAdminRequest() }
  }

  @Sendable func update(_ request: Request, context: SignedInContext) async throws -> Response {
    try await call(IdPRPC.updateServiceProvider, context) {
      SPAdminRequest(
        clientID: try context.parameters.require("client_id"),
        body: try await JSONBody.decode(ServiceProviderBody.self, from: request))
    }
  }

  @Sendable func rotateSecret(_ request: Request, context: SignedInContext) async throws -> Response {
    try await call(IdPRPC.rotateServiceProviderSecret, context) {
      SPAdminRequest(clientID: try context.parameters.require("client_id"))
    }
  }

  @Sendable func rotateResultKey(_ request: Request, context: SignedInContext) async throws -> Response {
    try await call(IdPRPC.rotateResultKey, context) { SPAdminRequest(clientID: try context.parameters.require("client_id")) }
  }

  @Sendable func resendDelivery(_ request: Request, context: SignedInContext) async throws -> Response {
    try await call(IdPRPC.resendDelivery, context) {
      SPAdminRequest(
        clientID: try context.parameters.require("client_id"),
        deliveryID: try context.parameters.require("delivery_id"))
    }
  }

  @Sendable func stats(_ request: Request, context: SignedInContext) async throws -> Response {
    try await call(IdPRPC.adminStats, context) {
      SPAdminRequest(
        clientID: try context.parameters.require("client_id"),
        days: request.uri.queryParameters["days"].flatMap { Int(String($0)) } ?? 30)
    }
  }

  @Sendable func deliveries(_ request: Request, context: SignedInContext) async throws -> Response {
    try await call(IdPRPC.deliveries, context) {
      SPAdminRequest(
        clientID: try context.parameters.require("client_id"),
        status: request.uri.queryParameters["status"].map(String.init))
    }
  }

  /// `?status=&from=&to=&limit=&cursor=` (times in ISO 8601).
  @Sendable func transactions(_ request: Request, context: SignedInContext) async throws -> Response {
    try await relayTransactions(request, context, clientID: try context.parameters.require("client_id"))
  }

  /// `?service_provider=&status=&from=&to=&limit=&cursor=`: every provider the admin manages, or one.
  @Sendable func allTransactions(_ request: Request, context: SignedInContext) async throws -> Response {
    try await relayTransactions(request, context, clientID: Query.optional(request, "service_provider"))
  }

  private func relayTransactions(_ request: Request, _ context: SignedInContext, clientID: String?) async throws -> Response {
    _ = try context.platformAdmin()
    let query = try AdminTransactionQuery.read(request, clientID: clientID)
    return JSONResponse.relayed(try await rpc.relay(IdPRPC.adminTransactions, query, context: context.rpcContext))
  }

  /// Checks the caller is a platform admin before `build` reads the request, then passes
  /// idp-service's answer on as it is.
  private func call<Answer: Codable & Sendable>(
    _ method: RPCMethod<SPAdminRequest, Answer>, _ context: SignedInContext, status: HTTPResponse.Status = .ok,
    _ build: () async throws -> SPAdminRequest
  ) async throws -> Response {
    _ = try context.platformAdmin()
    return JSONResponse.relayed(try await rpc.relay(method, try await build(), context: context.rpcContext), status: status)
  }
}
