// RPC/: token-service's edge. Handlers are thin: decode, call the domain or store, answer.
import Foundation
import HummingbirdBcrypt
import Shared

enum TokenMethodHandlers {
    static func register(_ router: inout RPCRouter, _ context: BackendContext) throws {
        let keys = SigningKeyStore(postgres: context.postgres, keyRing: context.keyRing, logger: context.logger)
        router.register(TokenRPC.jwks) { _, _ in
            try await keys.published()
        }
        let services = ServiceStore(postgres: context.postgres, logger: context.logger)
        router.register(TokenRPC.allowedOrigins) { _, _ in
            OriginList(origins: try await services.allowedOrigins())
        }
        let hasher = try readSetting(service: .token) { () throws(ConfigurationError) in try PasswordHasher.fromSettings(.fromEnvironment()) }
        let accounts = AccountStore(postgres: context.postgres, logger: context.logger)
        let registration = Registration(services: services, accounts: accounts, hasher: hasher)
        router.register(TokenRPC.register) { request, call in
            try await registration.register(request, requestID: call.requestID)
        }
        let tokens = TokenIssuer(signer: AccessTokenSigner(store: keys), issuer: context.config.issuer)
        let logins = LoginStore(postgres: context.postgres, logger: context.logger)
        let revocations = RevocationPublisher(events: context.events)
        let revoked = RevocationStore(postgres: context.postgres, logger: context.logger)
        router.register(TokenRPC.revocations) { _, _ in RevocationSet(revocations: try await revoked.active()) }
        let throttle = SignInThrottleStore(postgres: context.postgres, logger: context.logger)
        let currentPassword = CurrentPassword(throttle: throttle, hasher: hasher)
        let accountSecurity = AccountSecurityStore(postgres: context.postgres, logger: context.logger)
        let firstParty = FirstParty(services: services, store: accountSecurity)
        let multiFactor = MultiFactor(
            store: MFAStore(postgres: context.postgres, keyRing: context.keyRing, logger: context.logger), logins: logins,
            services: services, tokens: tokens, backupCodes: BackupCodes(keyRing: context.keyRing),
            currentPassword: currentPassword, firstParty: firstParty,
            revocations: revocations, issuerName: "Gatehouse")
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
        router.register(TokenRPC.resetMFA) { request, call in try await multiFactor.reset(request, requestID: call.requestID) }
        router.register(TokenRPC.verifyMFA) { request, call in try await multiFactor.verify(request, requestID: call.requestID) }
        router.register(TokenRPC.stepUpMFA) { request, call in
            try await multiFactor.stepUp(request, caller: try call.signedInCaller(), requestID: call.requestID)
        }
        let social = SocialAccounts(
            store: SocialAccountStore(postgres: context.postgres, logger: context.logger), services: services, logins: logins,
            tokens: tokens, multiFactor: multiFactor)
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
        let login = Login(
            services: services, store: logins, throttle: throttle, hasher: hasher,
            tokens: tokens, multiFactor: multiFactor,
            decoyHash: Bcrypt.hash(SecureRandom.hex(bytes: 16), cost: hasher.cost))
        router.register(TokenRPC.login) { request, call in
            try await login.login(request, requestID: call.requestID)
        }
        let reauthentication = Reauthentication(
            firstParty: firstParty, logins: logins, store: accountSecurity, currentPassword: currentPassword)
        router.register(TokenRPC.reauthenticate) { request, call in
            try await reauthentication.check(request, requestID: call.requestID)
        }
        let refreshTokens = RefreshStore(postgres: context.postgres, logger: context.logger)
        let sessionLimit = try readSetting(service: .token) { () throws(ConfigurationError) in try SessionRefreshLimit.load(redis: context.redis) }
        let refresh = Refresh(store: refreshTokens, tokens: tokens, keyRing: context.keyRing, sessionLimit: sessionLimit)
        router.register(TokenRPC.refresh) { request, call in
            try await refresh.refresh(request, requestID: call.requestID)
        }
        let sessionStore = SessionStore(postgres: context.postgres, logger: context.logger)
        let logout = Logout(sessions: sessionStore, revocations: revocations)
        router.register(TokenRPC.logout) { request, call in
            try await logout.logout(request, requestID: call.requestID)
        }
        router.register(TokenRPC.logoutAll) { request, call in
            try await logout.logoutAll(request, requestID: call.requestID)
        }
        // The account routes act for the call's principal, the user the gateway verified.
        router.register(TokenRPC.sessions) { _, call in
            let caller = try call.signedInCaller()
            guard let user = UUID(uuidString: caller.userID) else { throw AccountProblems.accountNotFound.problem("No such account.") }
            return SessionList(sessions: try await sessionStore.open(userID: user, current: UUID(uuidString: caller.sessionID ?? "")))
        }
        router.register(TokenRPC.endSession) { request, call in
            guard let user = UUID(uuidString: try call.signedInUserID()), let session = UUID(uuidString: request.sessionID) else {
                throw SignInProblems.sessionNotFound.problem("No such session.")
            }
            let ended = try await sessionStore.end(sessionID: session, userID: user, requestID: call.requestID)
            guard ended == 1 else { throw SignInProblems.sessionNotFound.problem("No open session \(request.sessionID) of yours.") }
            return LogoutResponse(sessionsEnded: 1)
        }
        let profiles = ProfileStore(postgres: context.postgres, logger: context.logger)
        router.register(TokenRPC.me) { _, call in
            let caller = try call.signedInCaller()
            guard let id = UUID(uuidString: caller.userID),
                  let profile = try await profiles.profile(userID: id, serviceSlug: caller.service) else {
                throw AccountProblems.accountNotFound.problem("No such account.")
            }
            return profile
        }
        router.register(TokenRPC.updateProfile) { request, call in
            let update = try ProfileUpdate(request.changes)
            let caller = try call.signedInCaller()
            guard let id = UUID(uuidString: caller.userID), try await profiles.update(userID: id, update, requestID: call.requestID),
                  let profile = try await profiles.profile(userID: id, serviceSlug: caller.service) else {
                throw AccountProblems.accountNotFound.problem("No such account.")
            }
            return profile
        }
        let passwordChange = PasswordChange(
            services: services, logins: logins, currentPassword: currentPassword, firstParty: firstParty, accounts: accounts, hasher: hasher,
            tokens: tokens,
            revocations: revocations)
        router.register(TokenRPC.changePassword) { request, call in
            try await passwordChange.change(request, caller: try call.signedInCaller(), requestID: call.requestID)
        }
        let clients = ClientAuthenticator(services: services)
        let oauth = OAuthTokenEndpoint(clients: clients, login: login, refresh: refresh, tokens: tokens, rpc: context.rpc)
        router.register(TokenRPC.oauthToken) { request, call in
            try await oauth.token(request, requestID: call.requestID)
        }
        let inspector = TokenInspector(
            clients: clients, reader: AccessTokenReader(store: keys, issuer: context.config.issuer), refreshTokens: refreshTokens,
            sessions: sessionStore, logins: logins, revocations: revocations, revoked: revoked)
        router.register(TokenRPC.oauthIntrospect) { request, _ in
            try await inspector.introspect(request)
        }
        router.register(TokenRPC.oauthRevoke) { request, call in
            try await inspector.revoke(request, requestID: call.requestID)
            return NoRequest()
        }
        let administration = ServiceAdministration(
            store: ServiceAdminStore(postgres: context.postgres, logger: context.logger), events: context.events, revocations: revocations,
            environment: context.config.environment)
        router.register(TokenRPC.createService) { request, call in try await administration.create(request, requestID: call.requestID) }
        router.register(TokenRPC.listServices) { request, _ in try await administration.list(request) }
        router.register(TokenRPC.getService) { request, _ in try await administration.get(request) }
        router.register(TokenRPC.updateService) { request, call in try await administration.update(request, requestID: call.requestID) }
        router.register(TokenRPC.deleteService) { request, call in try await administration.delete(request, requestID: call.requestID) }
        router.register(TokenRPC.rotateServiceSecret) { request, call in try await administration.rotateSecret(request, requestID: call.requestID) }
        router.register(TokenRPC.serviceMembers) { request, _ in try await administration.members(request) }
        router.register(TokenRPC.serviceStats) { request, _ in try await administration.stats(request) }
        router.register(TokenRPC.updateServiceMember) { request, call in try await administration.updateMember(request, requestID: call.requestID) }
        router.register(TokenRPC.closedServices) { _, _ in
            ClosedServices(slugs: try await ServiceAdminStore(postgres: context.postgres, logger: context.logger).closedSlugs())
        }
        let auditLog = AuditLogStore(postgres: context.postgres, logger: context.logger)
        router.register(TokenRPC.auditEvents) { query, _ in
            guard let actor = UUID(uuidString: query.actor.userID) else { throw ServiceAdministration.forbidden }
            // AUDITOR and SUPER_ADMIN read everything, a SERVICE_ADMIN the services it owns, and a
            // member whose role has admin.logs the service its token is for.
            var serviceSlug = query.service
            var ownedBy: UUID?
            switch PlatformRole(rawValue: query.actor.platformRole) ?? .user {
            case .superAdmin, .auditor: break
            case .serviceAdmin: ownedBy = actor
            case .user:
                let service = try await administration.memberService(query.actor, needs: .adminLogs)
                guard query.service == nil || query.service == service.slug else {
                    throw ServiceAdminProblems.forbidden.problem("Your token reads the audit log of \(service.slug) only.")
                }
                serviceSlug = service.slug
            }
            guard (1...200).contains(query.limit) else { throw RequestProblems.invalidField.problem("limit is 1 to 200.", field: "limit") }
            let before = try query.cursor.map { cursor throws(Problem) -> Int64 in
                guard let id = Int64(cursor) else {
                    throw RequestProblems.invalidField.problem("cursor is not one this API gave out.", field: "cursor")
                }
                return id
            }
            guard query.userID == nil || UUID(uuidString: query.userID ?? "") != nil else {
                throw RequestProblems.invalidField.problem("user_id is a user id.", field: "user_id")
            }
            return try await auditLog.page(
                userID: query.userID.flatMap(UUID.init(uuidString:)), action: query.action, serviceSlug: serviceSlug,
                ip: try query.ip.map(AuditAddress.block), from: query.from, to: query.to, ownedBy: ownedBy, before: before, limit: query.limit)
        }
    }
}
