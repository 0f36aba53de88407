import Hummingbird
import Shared

/// `/api/v1/users/me*`: the signed-in user's own account.
enum AccountRoutes {
    static func add(to router: Router<GatewayRequestContext>, rpc: RPCClient, verifier: AccessTokenVerifier) {
        router.get("api/v1/users/me") { request, context in
            let claims = try await verifier.bearer(request, context: context)
            let profile = try await rpc.call(TokenRPC.me, MeRequest(userID: claims.sub, service: claims.aud), context: context.rpcContext)
            return try JSONResponse.make(profile)
        }
        router.get("api/v1/users/me/sessions") { request, context in
            let claims = try await verifier.bearer(request, context: context)
            let list = try await rpc.call(TokenRPC.sessions, SessionsRequest(userID: claims.sub, currentSessionID: claims.sid), context: context.rpcContext)
            return try JSONResponse.make(list)
        }
        router.delete("api/v1/users/me/sessions/:id") { request, context in
            let claims = try await verifier.bearer(request, context: context)
            let id = try context.parameters.require("id")
            _ = try await rpc.call(TokenRPC.endSession, EndSessionRequest(userID: claims.sub, sessionID: id), context: context.rpcContext)
            return Response(status: .noContent)
        }
    }
}
