import Hummingbird
import Shared

/// The gateway's routes. Middleware order: request id first (so every later step and every
/// error carries it), then security headers, the client's address (before anything counts
/// requests per client), CORS (outside problem conversion, so errors carry CORS headers too),
/// then problem conversion around the rate limits and the handlers. Each controller's
/// `addRoutes` is its part of the route table; a signed-in route's group adds SignedInMiddleware
/// (SignedInContext), a service provider's ServiceProviderMiddleware (SPContext). Group
/// middleware runs only for a matched route, so an unknown path is the same 404 everywhere.
enum GatewayRouter {
  static func make(
    readiness: ReadinessCheck, keys: JWKSCache, revocations: RevocationList, closedServices: ClosedServices,
    rpc: RPCClient, limits: RateLimits,
    proxies: TrustedProxies, origins: AllowedOrigins, waiters: TransactionWaiters, events: EventBus,
    issuer: String, pages: HostedPages, signals: SecuritySignals? = nil
  ) -> Router<GatewayRequestContext> {
    let router = Router(context: GatewayRequestContext.self)
    router.add(middleware: RequestIDMiddleware())
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: ClientAddressMiddleware(proxies: proxies))
    router.add(middleware: CORSMiddleware(origins: origins))
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: ProblemMiddleware(pages: pages))
    router.add(middleware: APIRateLimitMiddleware(limits: limits, serviceProviders: ServiceProviderLimits(rpc: rpc)))
    let verifier = AccessTokenVerifier(
      jwks: keys, revocations: revocations, closedServices: closedServices, issuer: issuer, limits: limits, signals: signals)
    let document = OpenAPIDocument.make(APIOperation.all, issuer: issuer)
    MetaController(
      readiness: readiness, openAPI: OpenAPIDocument.data(document),
      reference: APIReference.html(APIOperation.all, document: document, library: pages.renderer.library)
    ).addRoutes(to: router.group())
    WellKnownController(keys: keys, issuer: issuer).addRoutes(to: router.group(".well-known"))
    AuthController(rpc: rpc, verifier: verifier, limits: limits).addRoutes(to: router.group("api/v1/auth"))
    AccountController(rpc: rpc).addRoutes(to: router.group("api/v1/users/me").signedIn(verifier))
    UserAdminController(rpc: rpc).addRoutes(to: router.group("api/v1/users").signedIn(verifier))
    MFAController(rpc: rpc, verifier: verifier, limits: limits)
      .addRoutes(users: router.group("api/v1/users").signedIn(verifier), auth: router.group("api/v1/auth"))
    SocialController(rpc: rpc, limits: limits, pages: pages)
      .addRoutes(social: router.group("api/v1/social"), linked: router.group("api/v1/users/me/social-accounts").signedIn(verifier))
    OAuthController(rpc: rpc, limits: limits).addRoutes(to: router.group("oauth"))
    OpenIDController(rpc: rpc, pages: pages).addRoutes(to: router.group("oauth"), signedIn: router.group("oauth").signedIn(verifier))
    SignInPagesController(rpc: rpc, limits: limits, pages: pages).addRoutes(to: router.group())
    RecoveryController(rpc: rpc, limits: limits)
      .addRoutes(auth: router.group("api/v1/auth"), me: router.group("api/v1/users/me").signedIn(verifier))
    RecoveryPagesController(rpc: rpc, limits: limits, pages: pages).addRoutes(to: router.group())
    InvitationController(rpc: rpc, limits: limits, pages: pages).addRoutes(auth: router.group("api/v1/auth"), pages: router.group())
    PasskeyController(rpc: rpc, limits: limits)
      .addRoutes(auth: router.group("api/v1/auth"), me: router.group("api/v1/users/me").signedIn(verifier))
    let console = AccountConsoleSignIn(rpc: rpc, issuer: issuer)
    let signedInPages = AccountConsoleMiddleware(verifier: verifier, signIn: console, pages: pages)
    AccountConsoleController(rpc: rpc, pages: pages, signIn: console)
      .addRoutes(to: router.group("account"), signedIn: router.group("account").accountConsole(signedInPages))
    AccountSocialController(rpc: rpc, pages: pages, issuer: issuer)
      .addRoutes(to: router.group("account/social").accountConsole(signedInPages))
    AccountPasskeysController(rpc: rpc, pages: pages).addRoutes(to: router.group("account/passkeys").accountConsole(signedInPages))
    AccountIdentityController(rpc: rpc, pages: pages).addRoutes(to: router.group("account/identity").accountConsole(signedInPages))
    ApprovalController(rpc: rpc, pages: pages, verifier: verifier, events: events)
      .addRoutes(to: router.group("approve").accountConsole(signedInPages))
    let admin = AdminPages(rpc: rpc, pages: pages)
    AdminServicesController(rpc: rpc, admin: admin).addRoutes(to: router.group("admin").accountConsole(signedInPages))
    AdminProvidersController(rpc: rpc, admin: admin)
      .addRoutes(
        to: router.group("admin/service-providers").accountConsole(signedInPages),
        acrossProviders: router.group("admin/transactions").accountConsole(signedInPages))
    AdminUsersController(rpc: rpc, admin: admin).addRoutes(to: router.group("admin/users").accountConsole(signedInPages))
    AdminAuditController(rpc: rpc, admin: admin).addRoutes(to: router.group("admin/audit").accountConsole(signedInPages))
    IdPController(rpc: rpc, verifier: verifier, longPoll: TransactionLongPoll(rpc: rpc, waiters: waiters))
      .addRoutes(to: router.group("api/v1/idp"))
    IdPPersonController(rpc: rpc, verifier: verifier, events: events).addRoutes(to: router.group("api/v1/idp").signedIn(verifier))
    ServiceAdminController(rpc: rpc).addRoutes(to: router.group("api/v1/services").signedIn(verifier))
    IdPAdminController(rpc: rpc)
      .addRoutes(
        to: router.group("api/v1/idp/service-providers").signedIn(verifier),
        acrossProviders: router.group("api/v1/idp/transactions").signedIn(verifier))
    AuditController(rpc: rpc).addRoutes(to: router.group("api/v1/audit-events").signedIn(verifier))
    return router
  }
}
