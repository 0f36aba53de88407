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
    }
}
