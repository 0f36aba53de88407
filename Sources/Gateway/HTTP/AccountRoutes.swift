import Hummingbird
import Shared

/// `/api/v1/users/me*`: the signed-in user's own account.
enum AccountRoutes {
    static func add(to router: Router<GatewayRequestContext>, rpc: RPCClient, verifier: AccessTokenVerifier) {
        router.get("api/v1/users/me") { request, context in
            let user = try await verifier.signedInUser(request, context: context)
            let profile = try await rpc.call(TokenRPC.me, MeRequest(userID: user.sub, service: user.aud), context: context.rpcContext)
            return try JSONResponse.make(profile)
        }
        router.patch("api/v1/users/me") { request, context in
            let user = try await verifier.signedInUser(request, context: context)
            let changes = try await JSONBody.decode(ProfileChanges.self, from: request)
            let profile = try await rpc.call(
                TokenRPC.updateProfile, UpdateProfileRequest(userID: user.sub, service: user.aud, changes: changes), context: context.rpcContext)
            return try JSONResponse.make(profile)
        }
        router.post("api/v1/users/me/password") { request, context in
            let user = try await verifier.signedInUser(request, context: context)
            let body = try await JSONBody.decode(PasswordChangeBody.self, from: request)
            let changed = try await rpc.call(TokenRPC.changePassword, ChangePasswordRequest(
                userID: user.sub, sessionID: user.sid ?? "", service: user.aud, body: body, client: context.client(request)),
                context: context.rpcContext)
            return try JSONResponse.make(changed)
        }
        router.get("api/v1/users/me/sessions") { request, context in
            let user = try await verifier.signedInUser(request, context: context)
            let list = try await rpc.call(TokenRPC.sessions, SessionsRequest(userID: user.sub, currentSessionID: user.sid ?? ""), context: context.rpcContext)
            return try JSONResponse.make(list)
        }
        router.delete("api/v1/users/me/sessions/:id") { request, context in
            let user = try await verifier.signedInUser(request, context: context)
            let id = try context.parameters.require("id")
            _ = try await rpc.call(TokenRPC.endSession, EndSessionRequest(userID: user.sub, sessionID: id), context: context.rpcContext)
            return Response(status: .noContent)
        }
    }
}
