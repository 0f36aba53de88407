import Hummingbird
import Shared

/// `/api/v1/idp/*`, the service provider's side (docs/idp.md): an SP asks for a verification with
/// its client credentials (SPContext), follows it, and fetches the result. The person's side is
/// IdPPersonController's.
struct IdPController: Sendable {
  let rpc: RPCClient
  let verifier: AccessTokenVerifier
  let longPoll: TransactionLongPoll

  func addRoutes(to group: RouterGroup<GatewayRequestContext>) {
    group.serviceProvider()
      .post("requests", use: createRequest)
      .get("requests/:id", use: requestStatus)
      .post("requests/:id/result", use: result)
    // An SP with its credentials or an admin with a token: the handler tells which.
    group.get("stats", use: stats)
  }

  @Sendable func createRequest(_ request: Request, context: SPContext) async throws -> Response {
    let body = try await JSONBody.decode(VerificationRequestBody.self, from: request)
    let created = try await rpc.relay(
      IdPRPC.createRequest, VerificationRequest(credentials: context.credentials, body: body, client: context.client(request)),
      context: context.rpcContext)
    return JSONResponse.relayed(created, status: .created)
  }

  /// With `?wait=` (at most 30 s), a long poll: TransactionLongPoll.
  @Sendable func requestStatus(_ request: Request, context: SPContext) async throws -> Response {
    let id = try context.parameters.require("id")
    let call = SPTransactionRequest(credentials: context.credentials, transactionID: id)
    let wait = min(30, max(0, request.uri.queryParameters["wait"].flatMap { Int(String($0)) } ?? 0))
    guard wait > 0 else { return JSONResponse.relayed(try await rpc.relay(IdPRPC.requestStatus, call, context: context.rpcContext)) }
    return try JSONResponse.make(try await longPoll.status(call, id: id, wait: .seconds(wait), context: context.rpcContext))
  }

  @Sendable func result(_ request: Request, context: SPContext) async throws -> Response {
    let body = try await JSONBody.decode(AuthCodeBody.self, from: request)
    let result = try await rpc.relay(
      IdPRPC.result,
      SPResultRequest(
        credentials: context.credentials, transactionID: try context.parameters.require("id"), authCode: body.authCode,
        client: context.client(request)),
      context: context.rpcContext)
    return JSONResponse.relayed(result)
  }

  /// The SP with its credentials, or its owner or a super admin with a token and `?client_id=`.
  @Sendable func stats(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    let days = request.uri.queryParameters["days"].flatMap { Int(String($0)) } ?? 30
    guard request.headers[.authorization]?.lowercased().hasPrefix("bearer ") == true else {
      let call = StatsRequest(credentials: try ServiceProviderMiddleware.credentials(request), days: days)
      return JSONResponse.relayed(try await rpc.relay(IdPRPC.stats, call, context: context.rpcContext))
    }
    let caller = try await verifier.signedInUser(request, context: context)
    _ = try AdminAccess.platformAdmin(caller)
    guard let clientID = request.uri.queryParameters["client_id"].map(String.init), !clientID.isEmpty else {
      throw RequestProblems.invalidField.problem("Name the service provider with client_id.", field: "client_id")
    }
    // This route checks its token itself (it also takes SP credentials), so it names the caller itself.
    var rpcContext = context.rpcContext
    rpcContext.principal = Principal(claims: caller)
    let call = SPAdminRequest(clientID: clientID, days: days)
    return JSONResponse.relayed(try await rpc.relay(IdPRPC.adminStats, call, context: rpcContext))
  }
}
