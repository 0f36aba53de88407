import Hummingbird
import Shared

/// `/api/v1/auth/*`: the routes apps call to create accounts and sign users in.
enum AuthRoutes {
    static func add(to router: Router<GatewayRequestContext>, rpc: RPCClient) {
        let auth = router.group("api/v1/auth")
        auth.post("register") { request, context in
            let body = try await JSONBody.decode(RegisterBody.self, from: request)
            let response = try await rpc.call(
                TokenRPC.register, RegisterRequest(body: body, client: context.client(request)), context: context.rpcContext)
            return try JSONResponse.make(response, status: .created)
        }
    }
}
