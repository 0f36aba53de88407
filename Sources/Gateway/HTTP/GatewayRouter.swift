import Hummingbird
import Shared

/// The gateway's routes. Middleware order: request id first (so every later step and every
/// error carries it), then security headers, the client's address (before anything counts
/// requests per client), CORS (outside problem conversion, so errors carry CORS headers too),
/// then problem conversion around the rate limits and the handlers.
enum GatewayRouter {
    static func make(readiness: ReadinessCheck, keys: JWKSCache, revocations: RevocationList, closedServices: ClosedServices,
                     rpc: RPCClient, limits: RateLimits,
                     proxies: TrustedProxies, origins: AllowedOrigins, waiters: TransactionWaiters, events: EventBus,
                     issuer: String) -> Router<GatewayRequestContext> {
        let router = Router(context: GatewayRequestContext.self)
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: ClientAddressMiddleware(proxies: proxies))
        router.add(middleware: CORSMiddleware(origins: origins))
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: APIRateLimitMiddleware(limits: limits, serviceProviders: ServiceProviderLimits(rpc: rpc)))
        MetaRoutes.add(to: router, readiness: readiness)
        WellKnownRoutes.add(to: router, keys: keys, issuer: issuer)
        let verifier = AccessTokenVerifier(jwks: keys, revocations: revocations, closedServices: closedServices, issuer: issuer, limits: limits)
        AuthRoutes.add(to: router, rpc: rpc, verifier: verifier, limits: limits)
        AccountRoutes.add(to: router, rpc: rpc, verifier: verifier)
        MFARoutes.add(to: router, rpc: rpc, verifier: verifier, limits: limits)
        SocialRoutes.add(to: router, rpc: rpc, verifier: verifier, limits: limits)
        OAuthRoutes.add(to: router, rpc: rpc, limits: limits)
        IdPRoutes.add(to: router, rpc: rpc, verifier: verifier, waiters: waiters, events: events)
        ServiceAdminRoutes.add(to: router, rpc: rpc, verifier: verifier)
        IdPAdminRoutes.add(to: router, rpc: rpc, verifier: verifier)
        AuditRoutes.add(to: router, rpc: rpc, verifier: verifier)
        return router
    }
}
