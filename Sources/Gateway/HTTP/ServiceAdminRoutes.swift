import Hummingbird
import Shared

/// `/api/v1/services*`: the services admin API (DESIGN.md section 6). The gateway checks the
/// token (and a recent second factor when the caller has MFA on) and passes the caller's
/// platform role, service and permissions; token-service decides what it may do. Creating and
/// listing services is for platform admins only.
enum ServiceAdminRoutes {
    static func add(to router: Router<GatewayRequestContext>, rpc: RPCClient, verifier: AccessTokenVerifier) {
        let services = router.group("api/v1/services")
        @Sendable func call<Response: Codable & Sendable>(
            _ method: RPCMethod<ServiceAdminRequest, Response>, _ request: Request, _ context: GatewayRequestContext,
            status: HTTPResponse.Status = .ok, platformOnly: Bool = false, _ build: (AdminActor) async throws -> ServiceAdminRequest
        ) async throws -> Hummingbird.Response {
            let actor = platformOnly ? try await verifier.platformAdmin(request, context: context)
                                     : try await verifier.adminSession(request, context: context)
            return JSONResponse.relayed(try await rpc.relay(method, try await build(actor), context: context.rpcContext), status: status)
        }
        services.post { request, context in
            try await call(TokenRPC.createService, request, context, status: .created, platformOnly: true) { actor in
                ServiceAdminRequest(actor: actor, settings: try await JSONBody.decode(ServiceSettingsBody.self, from: request), client: context.client(request))
            }
        }
        services.get { request, context in
            try await call(TokenRPC.listServices, request, context, platformOnly: true) { ServiceAdminRequest(actor: $0, client: context.client(request)) }
        }
        services.get(":slug") { request, context in
            try await call(TokenRPC.getService, request, context) {
                ServiceAdminRequest(actor: $0, slug: try context.parameters.require("slug"), client: context.client(request))
            }
        }
        services.patch(":slug") { request, context in
            try await call(TokenRPC.updateService, request, context) { actor in
                ServiceAdminRequest(actor: actor, slug: try context.parameters.require("slug"),
                                    settings: try await JSONBody.decode(ServiceSettingsBody.self, from: request), client: context.client(request))
            }
        }
        services.delete(":slug") { request, context in
            try await call(TokenRPC.deleteService, request, context) {
                ServiceAdminRequest(actor: $0, slug: try context.parameters.require("slug"), client: context.client(request))
            }
        }
        services.post(":slug/credentials") { request, context in
            try await call(TokenRPC.rotateServiceSecret, request, context) {
                ServiceAdminRequest(actor: $0, slug: try context.parameters.require("slug"), client: context.client(request))
            }
        }
        services.get(":slug/stats") { request, context in
            try await call(TokenRPC.serviceStats, request, context) {
                ServiceAdminRequest(actor: $0, slug: try context.parameters.require("slug"), client: context.client(request))
            }
        }
        services.get(":slug/users") { request, context in
            try await call(TokenRPC.serviceMembers, request, context) { actor in
                let query = request.uri.queryParameters
                guard let limit = Int(String(query["limit"] ?? "50")) else { throw Problem.unprocessable("limit is a number.", field: "limit") }
                return ServiceAdminRequest(
                    actor: actor, slug: try context.parameters.require("slug"),
                    query: MemberQuery(role: query["role"].map(String.init), status: query["status"].map(String.init), limit: limit,
                                       cursor: query["cursor"].map(String.init)),
                    client: context.client(request))
            }
        }
        services.patch(":slug/users/:user_id") { request, context in
            try await call(TokenRPC.updateServiceMember, request, context) { actor in
                ServiceAdminRequest(actor: actor, slug: try context.parameters.require("slug"), memberID: try context.parameters.require("user_id"),
                                    member: try await JSONBody.decode(MemberChanges.self, from: request), client: context.client(request))
            }
        }
    }
}

extension AccessTokenVerifier {
    /// The caller of an admin route that needs a platform role: a signed-in SUPER_ADMIN or
    /// SERVICE_ADMIN (403 for anyone else). The owning service decides what a SERVICE_ADMIN may touch.
    func platformAdmin(_ request: Request, context: GatewayRequestContext, also: Set<PlatformRole> = []) async throws -> AdminActor {
        let claims = try await signedInUser(request, context: context)
        let allowed = Set<PlatformRole>([.superAdmin, .serviceAdmin]).union(also)
        guard let role = PlatformRole(rawValue: claims.platformRole ?? ""), allowed.contains(role) else {
            throw Problem(status: 403, code: "forbidden", title: "Forbidden",
                          detail: "This needs one of \(allowed.map(\.rawValue).sorted().joined(separator: ", ")).")
        }
        return try Self.recentMFA(claims)
    }

    /// The caller of an admin route of one service: any signed-in user (the service decides by
    /// platform role, ownership or the permissions of the token for it).
    func adminSession(_ request: Request, context: GatewayRequestContext) async throws -> AdminActor {
        try Self.recentMFA(try await signedInUser(request, context: context))
    }

    /// Someone who has MFA on must have passed it within the last 30 minutes in this session to
    /// use admin routes (403 `mfa_step_up_required` otherwise; the step-up is
    /// `POST /api/v1/auth/mfa/verify` with the access token and a code).
    static func recentMFA(_ claims: AccessTokenClaims) throws -> AdminActor {
        let actor = AdminActor(claims: claims)
        if claims.mfaEnabled == true, !actor.passedMFARecently() { throw stepUpRequired }
        return actor
    }

    static let stepUpRequired = Problem(
        status: 403, code: "mfa_step_up_required", title: "Recent second factor required",
        detail: "Admin routes need a session that passed MFA in the last 30 minutes: POST /api/v1/auth/mfa/verify with a code.")
}
