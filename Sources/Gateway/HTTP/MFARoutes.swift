import Hummingbird
import Shared

/// TOTP MFA (issue 6): enrolment and removal under `/api/v1/users/me/mfa/totp`, new backup codes
/// at `/api/v1/users/me/mfa/backup-codes`, a SUPER_ADMIN's reset at `/api/v1/users/{user_id}/mfa`, and
/// `POST /api/v1/auth/mfa/verify`, which completes a sign-in (with `mfa_token`) or steps up the
/// caller's session (with its access token).
enum MFARoutes {
    static func add(to router: Router<GatewayRequestContext>, rpc: RPCClient, verifier: AccessTokenVerifier, limits: RateLimits) {
        @Sendable func signedIn(_ request: Request, _ context: GatewayRequestContext, body: MFACodeBody = MFACodeBody()) async throws -> MFARequest {
            let user = try await verifier.signedInUser(request, context: context)
            return MFARequest(userID: user.sub, sessionID: user.sid ?? "", service: user.aud, body: body, client: context.client(request))
        }
        router.post("api/v1/users/me/mfa/totp") { request, context in
            let body = request.headers[.contentType] == nil ? MFACodeBody() : try await JSONBody.decode(MFACodeBody.self, from: request)
            return JSONResponse.relayed(try await rpc.relay(
                TokenRPC.startTOTP, try await signedIn(request, context, body: body), context: context.rpcContext))
        }
        router.post("api/v1/users/me/mfa/totp/enable") { request, context in
            let body = try await JSONBody.decode(MFACodeBody.self, from: request)
            return JSONResponse.relayed(try await rpc.relay(
                TokenRPC.enableTOTP, try await signedIn(request, context, body: body), context: context.rpcContext))
        }
        router.delete("api/v1/users/me/mfa/totp") { request, context in
            let body = try await JSONBody.decode(MFACodeBody.self, from: request)
            return JSONResponse.relayed(try await rpc.relay(
                TokenRPC.disableTOTP, try await signedIn(request, context, body: body), context: context.rpcContext))
        }
        router.post("api/v1/users/me/mfa/backup-codes") { request, context in
            let body = try await JSONBody.decode(MFACodeBody.self, from: request)
            return JSONResponse.relayed(try await rpc.relay(
                TokenRPC.replaceBackupCodes, try await signedIn(request, context, body: body), context: context.rpcContext))
        }
        router.delete("api/v1/users/:user_id/mfa") { request, context in
            let actor = try await verifier.platformAdmin(request, context: context)
            return JSONResponse.relayed(try await rpc.relay(
                TokenRPC.resetMFA, MFAResetRequest(actor: actor, userID: try context.parameters.require("user_id")), context: context.rpcContext))
        }
        router.post("api/v1/auth/mfa/verify") { request, context in
            let body = try await JSONBody.decode(MFAVerifyBody.self, from: request)
            guard let mfaToken = body.mfaToken else {
                // No mfa_token: a step-up of the session whose access token comes with it.
                let stepUp = try await rpc.call(
                    TokenRPC.stepUpMFA, try await signedIn(request, context, body: body.proof), context: context.rpcContext)
                return try JSONResponse.make(stepUp)
            }
            let ip = context.client(request).ip ?? "unknown"
            _ = try await limits.enforce([(limits.login, "mfa:\(ip)")])
            let grant = try await rpc.call(
                TokenRPC.verifyMFA, MFAVerifyRequest(mfaToken: mfaToken, proof: body.proof, client: context.client(request)),
                context: context.rpcContext)
            return try TokenResponseBody.response(for: grant)
        }
    }
}
