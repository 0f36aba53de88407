import Hummingbird
import Shared

/// `/api/v1/idp/service-providers*`: the SP admin API; idp-service decides per SP.
enum IdPAdminRoutes {
    static func add(to router: Router<GatewayRequestContext>, rpc: RPCClient, verifier: AccessTokenVerifier) {
        let providers = router.group("api/v1/idp/service-providers")
        @Sendable func call<Response: Codable & Sendable>(
            _ method: RPCMethod<SPAdminRequest, Response>, _ request: Request, _ context: GatewayRequestContext,
            status: HTTPResponse.Status = .ok, _ build: (AdminActor) async throws -> SPAdminRequest
        ) async throws -> Hummingbird.Response {
            let actor = try await verifier.platformAdmin(request, context: context)
            return JSONResponse.relayed(try await rpc.relay(method, try await build(actor), context: context.rpcContext), status: status)
        }
        providers.post { request, context in
            try await call(IdPRPC.createServiceProvider, request, context, status: .created) {
                SPAdminRequest(actor: $0, body: try await JSONBody.decode(ServiceProviderBody.self, from: request))
            }
        }
        providers.get { request, context in
            try await call(IdPRPC.listServiceProviders, request, context) { SPAdminRequest(actor: $0) }
        }
        providers.patch(":client_id") { request, context in
            try await call(IdPRPC.updateServiceProvider, request, context) {
                SPAdminRequest(actor: $0, clientID: try context.parameters.require("client_id"),
                               body: try await JSONBody.decode(ServiceProviderBody.self, from: request))
            }
        }
        providers.post(":client_id/secret") { request, context in
            try await call(IdPRPC.rotateServiceProviderSecret, request, context) {
                SPAdminRequest(actor: $0, clientID: try context.parameters.require("client_id"))
            }
        }
        providers.post(":client_id/result-key") { request, context in
            try await call(IdPRPC.rotateResultKey, request, context) {
                SPAdminRequest(actor: $0, clientID: try context.parameters.require("client_id"))
            }
        }
        providers.post(":client_id/deliveries/:delivery_id/resend") { request, context in
            try await call(IdPRPC.resendDelivery, request, context) {
                SPAdminRequest(actor: $0, clientID: try context.parameters.require("client_id"),
                               deliveryID: try context.parameters.require("delivery_id"))
            }
        }
        providers.get(":client_id/stats") { request, context in
            try await call(IdPRPC.adminStats, request, context) {
                SPAdminRequest(actor: $0, clientID: try context.parameters.require("client_id"),
                               days: request.uri.queryParameters["days"].flatMap { Int(String($0)) } ?? 30)
            }
        }
        providers.get(":client_id/deliveries") { request, context in
            try await call(IdPRPC.deliveries, request, context) {
                SPAdminRequest(actor: $0, clientID: try context.parameters.require("client_id"),
                               status: request.uri.queryParameters["status"].map(String.init))
            }
        }
    }
}
