// RPC/: token-service's edge. Handlers are thin: decode, call the domain or store, answer.
import Foundation
import HummingbirdBcrypt
import Shared

/// Every method token-service answers, by area. `Parts` builds what several areas share once.
enum TokenMethodHandlers {
  static func register(_ router: inout RPCRouter, _ context: BackendContext) throws {
    let parts = try Parts(context)
    registerKeysAndOrigins(&router, parts)
    registerSignIn(&router, parts)
    registerRecovery(&router, parts)
    registerPasskeys(&router, parts)
    registerSessions(&router, parts)
    registerProfile(&router, parts, context: context)
    registerMFA(&router, parts)
    registerSocial(&router, parts, context: context)
    registerOAuth(&router, parts, context: context)
    registerOpenID(&router, parts, context: context)
    registerAdministration(&router, parts, context: context)
    registerUserAdministration(&router, parts, context: context)
    try registerLeaving(&router, parts, context: context)
  }

  /// The stores and domain types more than one area uses.
  struct Parts {
    let keys: SigningKeyStore
    let services: ServiceStore
    let hasher: PasswordHasher
    let accounts: AccountStore
    let tokens: TokenIssuer
    let logins: LoginStore
    let revocations: RevocationPublisher
    let revoked: RevocationStore
    let throttle: SignInThrottleStore
    let currentPassword: CurrentPassword
    let accountSecurity: AccountSecurityStore
    let firstParty: FirstParty
    let multiFactor: MultiFactor
    let sessions: SessionStore
    let refreshTokens: RefreshStore
    let refresh: Refresh
    let login: Login
    let codes: AuthorizationCodeStore
    let reader: AccessTokenReader
    let browserSessions: BrowserSessionStore
    let passkeys: PasskeyAssertions
    let passwords: PasswordPolicy
    let agreementVersions: [String: String]
    let registration: Registration
    /// Nil when the deployment sends no mail.
    let mail: MailOutbox?

    init(_ context: BackendContext) throws {
      keys = SigningKeyStore(postgres: context.postgres, keyRing: context.keyRing, logger: context.logger)
      services = ServiceStore(postgres: context.postgres, logger: context.logger)
      hasher = try readSetting(service: .token) { () throws(ConfigurationError) in try PasswordHasher.fromSettings(.fromEnvironment()) }
      accounts = AccountStore(postgres: context.postgres, logger: context.logger)
      tokens = TokenIssuer(signer: AccessTokenSigner(store: keys), issuer: context.config.issuer)
      logins = LoginStore(
        postgres: context.postgres, logger: context.logger,
        plans: try readSetting(service: .token) { () throws(ConfigurationError) in try PlanLimits.load(.monthlyActiveUsers) })
      revocations = RevocationPublisher(events: context.events)
      revoked = RevocationStore(postgres: context.postgres, logger: context.logger)
      throttle = SignInThrottleStore(postgres: context.postgres, logger: context.logger)
      currentPassword = CurrentPassword(throttle: throttle, hasher: hasher)
      accountSecurity = AccountSecurityStore(postgres: context.postgres, logger: context.logger)
      firstParty = FirstParty(services: services, store: accountSecurity)
      let party = try readSetting(service: .token) { () throws(ConfigurationError) in
        try PasskeyRelyingParty.load(issuer: context.config.issuer)
      }
      passkeys = PasskeyAssertions(
        store: PasskeyStore(postgres: context.postgres, logger: context.logger), challenges: PasskeyChallengeStore(redis: context.redis),
        party: party)
      multiFactor = MultiFactor(
        store: MFAStore(postgres: context.postgres, keyRing: context.keyRing, logger: context.logger), logins: logins,
        services: services, tokens: tokens, backupCodes: BackupCodes(keyRing: context.keyRing),
        currentPassword: currentPassword, firstParty: firstParty, passkeys: passkeys,
        revocations: revocations, issuerName: "Gatehouse")
      sessions = SessionStore(postgres: context.postgres, logger: context.logger)
      refreshTokens = RefreshStore(postgres: context.postgres, logger: context.logger)
      let sessionLimit = try readSetting(service: .token) { () throws(ConfigurationError) in
        try SessionRefreshLimit.load(redis: context.redis)
      }
      refresh = Refresh(store: refreshTokens, tokens: tokens, keyRing: context.keyRing, sessionLimit: sessionLimit)
      login = Login(
        services: services, store: logins, throttle: throttle, hasher: hasher,
        tokens: tokens, multiFactor: multiFactor,
        decoyHash: Bcrypt.hash(SecureRandom.hex(bytes: 16), cost: hasher.cost),
        signals: SecuritySignals(redis: context.redis, logger: context.logger))
      codes = AuthorizationCodeStore(postgres: context.postgres, logger: context.logger)
      reader = AccessTokenReader(store: keys, issuer: context.config.issuer)
      browserSessions = BrowserSessionStore(postgres: context.postgres, logger: context.logger)
      mail = try AccountMail.outbox(context, try AccountMail.settings())
      let logger = context.logger
      passwords = try readSetting(service: .token) { () throws(ConfigurationError) in try PasswordPolicy.load(logger: logger) }
      agreementVersions = Agreements.load()
      registration = Registration(
        services: services, accounts: accounts, hasher: hasher, passwords: passwords, agreementVersions: agreementVersions, mail: mail)
    }
  }

  static func registerKeysAndOrigins(_ router: inout RPCRouter, _ parts: Parts) {
    let keys = parts.keys
    let services = parts.services
    let revoked = parts.revoked
    router.register(TokenRPC.jwks) { _, _ in
      try await keys.published()
    }
    router.register(TokenRPC.allowedOrigins) { _, _ in
      OriginList(origins: try await services.allowedOrigins())
    }
    router.register(TokenRPC.revocations) { _, _ in RevocationSet(revocations: try await revoked.active()) }
  }

  static func registerSignIn(_ router: inout RPCRouter, _ parts: Parts) {
    let registration = parts.registration
    router.register(TokenRPC.register) { request, call in
      try await registration.register(request, requestID: call.requestID)
    }
    let login = parts.login
    router.register(TokenRPC.login) { request, call in
      try await login.login(request, requestID: call.requestID)
    }
    let reauthentication = Reauthentication(
      firstParty: parts.firstParty, logins: parts.logins, store: parts.accountSecurity, currentPassword: parts.currentPassword)
    router.register(TokenRPC.reauthenticate) { request, call in
      try await reauthentication.check(request, caller: try call.signedInCaller(), requestID: call.requestID)
    }
    let refresh = parts.refresh
    router.register(TokenRPC.refresh) { request, call in
      try await refresh.refresh(request, requestID: call.requestID)
    }
  }

  static func registerSessions(_ router: inout RPCRouter, _ parts: Parts) {
    let sessionStore = parts.sessions
    let logout = Logout(sessions: sessionStore, revocations: parts.revocations)
    // The caller, their session and token are the call's principal.
    router.register(TokenRPC.logout) { _, call in
      try await logout.logout(try call.signedInCaller(), token: try call.signedInToken(), requestID: call.requestID)
    }
    router.register(TokenRPC.logoutAll) { _, call in
      try await logout.logoutAll(try call.signedInCaller(), requestID: call.requestID)
    }
    // The account routes act for the call's principal, the user the gateway verified.
    let history = SignInHistoryStore(postgres: parts.accounts.postgres, logger: parts.accounts.logger)
    router.register(TokenRPC.signInHistory) { request, call in
      guard let user = UUID(uuidString: try call.signedInUserID()) else {
        throw AccountProblems.accountNotFound.problem("No such account.")
      }
      return try await SignInHistoryRules.page(userID: user, request, store: history)
    }
    router.register(TokenRPC.sessions) { _, call in
      let caller = try call.signedInCaller()
      guard let user = UUID(uuidString: caller.userID) else { throw AccountProblems.accountNotFound.problem("No such account.") }
      return SessionList(
        sessions: try await sessionStore.open(userID: user, current: UUID(uuidString: caller.sessionID ?? "")),
        browserSessions: try await parts.browserSessions.live(userID: user))
    }
    router.register(TokenRPC.endSession) { request, call in
      guard let user = UUID(uuidString: try call.signedInUserID()), let session = UUID(uuidString: request.sessionID) else {
        throw SignInProblems.sessionNotFound.problem("No such session.")
      }
      let ended = try await sessionStore.end(sessionID: session, userID: user, requestID: call.requestID)
      guard ended == 1 else { throw SignInProblems.sessionNotFound.problem("No open session \(request.sessionID) of yours.") }
      return LogoutResponse(sessionsEnded: 1)
    }
  }

  static func registerProfile(_ router: inout RPCRouter, _ parts: Parts, context: BackendContext) {
    let profiles = ProfileStore(postgres: context.postgres, logger: context.logger)
    router.register(TokenRPC.me) { _, call in
      let caller = try call.signedInCaller()
      guard let id = UUID(uuidString: caller.userID),
        let profile = try await profiles.profile(userID: id, serviceSlug: caller.service)
      else {
        throw AccountProblems.accountNotFound.problem("No such account.")
      }
      return profile
    }
    router.register(TokenRPC.updateProfile) { request, call in
      let update = try ProfileUpdate(request.changes)
      let caller = try call.signedInCaller()
      guard let id = UUID(uuidString: caller.userID),
        try await profiles.update(
          userID: id, update, marketingVersion: parts.agreementVersions["marketing"] ?? "1", requestID: call.requestID),
        let profile = try await profiles.profile(userID: id, serviceSlug: caller.service)
      else {
        throw AccountProblems.accountNotFound.problem("No such account.")
      }
      return profile
    }
    let agreements = Agreements(
      store: AgreementStore(postgres: context.postgres, logger: context.logger), versions: parts.agreementVersions)
    router.register(TokenRPC.agreements) { _, call in try await agreements.list(caller: try call.signedInCaller()) }
    router.register(TokenRPC.changeAgreement) { request, call in
      try await agreements.change(request, caller: try call.signedInCaller(), requestID: call.requestID)
    }
    let passwordChange = PasswordChange(
      services: parts.services, logins: parts.logins, currentPassword: parts.currentPassword, firstParty: parts.firstParty,
      accounts: parts.accounts, hasher: parts.hasher, passwords: parts.passwords, tokens: parts.tokens, revocations: parts.revocations)
    router.register(TokenRPC.changePassword) { request, call in
      try await passwordChange.change(request, caller: try call.signedInCaller(), requestID: call.requestID)
    }
  }

  static func registerMFA(_ router: inout RPCRouter, _ parts: Parts) {
    let multiFactor = parts.multiFactor
    // The caller's own second factor: the user, session and service are the call's principal.
    router.register(TokenRPC.startTOTP) { request, call in
      try await multiFactor.start(request, caller: try call.signedInCaller(), requestID: call.requestID)
    }
    router.register(TokenRPC.enableTOTP) { request, call in
      try await multiFactor.enable(request, caller: try call.signedInCaller(), requestID: call.requestID)
    }
    router.register(TokenRPC.disableTOTP) { request, call in
      try await multiFactor.disable(request, caller: try call.signedInCaller(), requestID: call.requestID)
    }
    router.register(TokenRPC.replaceBackupCodes) { request, call in
      try await multiFactor.replaceBackupCodes(request, caller: try call.signedInCaller(), requestID: call.requestID)
    }
    router.register(TokenRPC.resetMFA) { request, call in
      try await multiFactor.reset(request, actor: try call.adminActor(), requestID: call.requestID)
    }
    router.register(TokenRPC.verifyMFA) { request, call in try await multiFactor.verify(request, requestID: call.requestID) }
    router.register(TokenRPC.mfaPasskeyOptions) { body, _ in try await multiFactor.passkeyOptions(body) }
    router.register(TokenRPC.stepUpMFA) { request, call in
      try await multiFactor.stepUp(request, caller: try call.signedInCaller(), requestID: call.requestID)
    }
  }

  static func registerSocial(_ router: inout RPCRouter, _ parts: Parts, context: BackendContext) {
    let social = SocialAccounts(
      store: SocialAccountStore(postgres: context.postgres, logger: context.logger), services: parts.services, logins: parts.logins,
      tokens: parts.tokens, multiFactor: parts.multiFactor)
    router.register(TokenRPC.socialServiceSettings) { query, _ in
      // A redirect URI stored before RedirectURIRule existed (javascript:, a fragment) is never
      // offered to social-service, which would redirect browsers to it.
      var settings = try await social.settings(query)
      settings.redirectURIs.removeAll { RedirectURIRule.refusal($0, loopbackHTTP: context.config.environment != .production) != nil }
      return settings
    }
    router.register(TokenRPC.socialUser) { query, call in try await social.user(query, requestID: call.requestID) }
    router.register(TokenRPC.socialSession) { request, call in try await social.session(request, requestID: call.requestID) }
    router.register(TokenRPC.loginMethods) { request, _ in try await social.loginMethods(request) }
  }

  static func registerOAuth(_ router: inout RPCRouter, _ parts: Parts, context: BackendContext) {
    let clients = ClientAuthenticator(services: parts.services)
    let codes = CodeExchange(
      codes: parts.codes, logins: parts.logins, tokens: parts.tokens, revocations: parts.revocations, issuer: context.config.issuer)
    let oauth = OAuthTokenEndpoint(
      clients: clients, login: parts.login, refresh: parts.refresh, tokens: parts.tokens, rpc: context.rpc, codes: codes)
    router.register(TokenRPC.oauthToken) { request, call in
      try await oauth.token(request, requestID: call.requestID)
    }
    let inspector = TokenInspector(
      clients: clients, reader: parts.reader, refreshTokens: parts.refreshTokens,
      sessions: parts.sessions, logins: parts.logins, revocations: parts.revocations, revoked: parts.revoked)
    router.register(TokenRPC.oauthIntrospect) { request, _ in
      try await inspector.introspect(request)
    }
    router.register(TokenRPC.oauthRevoke) { request, call in
      try await inspector.revoke(request, requestID: call.requestID)
      return NoRequest()
    }
  }

  static func registerAdministration(_ router: inout RPCRouter, _ parts: Parts, context: BackendContext) {
    let administration = ServiceAdministration(
      store: ServiceAdminStore(postgres: context.postgres, logger: context.logger), events: context.events,
      revocations: parts.revocations, environment: context.config.environment,
      canMail: parts.mail != nil)
    // Who asks is the call's principal; the gateway checked the platform role and MFA first.
    router.register(TokenRPC.createService) { request, call in
      try await administration.create(request, actor: try call.adminActor(), requestID: call.requestID)
    }
    router.register(TokenRPC.listServices) { request, call in try await administration.list(request, actor: try call.adminActor()) }
    router.register(TokenRPC.getService) { request, call in try await administration.get(request, actor: try call.adminActor()) }
    router.register(TokenRPC.updateService) { request, call in
      try await administration.update(request, actor: try call.adminActor(), requestID: call.requestID)
    }
    router.register(TokenRPC.deleteService) { request, call in
      try await administration.delete(request, actor: try call.adminActor(), requestID: call.requestID)
    }
    router.register(TokenRPC.rotateServiceSecret) { request, call in
      try await administration.rotateSecret(request, actor: try call.adminActor(), requestID: call.requestID)
    }
    router.register(TokenRPC.serviceMembers) { request, call in try await administration.members(request, actor: try call.adminActor()) }
    let members = ServiceMembers(
      administration: administration, members: MemberStore(postgres: context.postgres, logger: context.logger), services: parts.services,
      registration: parts.registration)
    router.register(TokenRPC.addServiceMember) { request, call in
      try await members.add(request, actor: try call.adminActor(), requestID: call.requestID)
    }
    let invitations = Invitations(
      administration: administration, store: InvitationStore(postgres: context.postgres, logger: context.logger),
      services: parts.services, registration: parts.registration)
    router.register(TokenRPC.invite) { request, call in
      try await invitations.invite(request, actor: try call.adminActor(), requestID: call.requestID)
    }
    router.register(TokenRPC.invitation) { lookup, _ in try await invitations.view(lookup) }
    router.register(TokenRPC.acceptInvitation) { request, call in try await invitations.accept(request, requestID: call.requestID) }
    router.register(TokenRPC.serviceStats) { request, call in try await administration.stats(request, actor: try call.adminActor()) }
    router.register(TokenRPC.servicePage) { request, call in try await administration.page(request, actor: try call.adminActor()) }
    router.register(TokenRPC.updateServiceMember) { request, call in
      try await administration.updateMember(request, actor: try call.adminActor(), requestID: call.requestID)
    }
    router.register(TokenRPC.closedServices) { _, _ in
      ClosedServices(slugs: try await ServiceAdminStore(postgres: context.postgres, logger: context.logger).closedSlugs())
    }
    let auditLog = AuditLogReader(
      store: AuditLogStore(postgres: context.postgres, logger: context.logger), administration: administration,
      chains: AuditChainStore(postgres: context.postgres, logger: context.logger))
    router.register(TokenRPC.auditEvents) { query, call in try await auditLog.page(query, actor: try call.adminActor()) }
  }
}
