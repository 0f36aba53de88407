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
        let hasher = try readSetting(service: .token) { () throws(ConfigurationError) in try PasswordHasher.fromSettings(.fromEnvironment()) }
        let registration = Registration(
            services: services, accounts: AccountStore(postgres: context.postgres, logger: context.logger), hasher: hasher)
        router.register(TokenRPC.register) { request, call in
            try await registration.register(request, requestID: call.requestID)
        }
        let tokens = TokenIssuer(signer: AccessTokenSigner(store: keys), issuer: context.config.issuer)
        let login = Login(
            services: services, store: LoginStore(postgres: context.postgres, logger: context.logger), hasher: hasher,
            tokens: tokens,
            decoyHash: Bcrypt.hash(SecureRandom.hex(bytes: 16), cost: hasher.cost))
        router.register(TokenRPC.login) { request, call in
            try await login.login(request, requestID: call.requestID)
        }
        let refresh = Refresh(
            store: RefreshStore(postgres: context.postgres, keyRing: context.keyRing, logger: context.logger),
            services: services, tokens: tokens)
        router.register(TokenRPC.refresh) { request, call in
            try await refresh.refresh(request, requestID: call.requestID)
        }
        let logout = Logout(sessions: SessionStore(postgres: context.postgres, logger: context.logger),
                            redis: context.redis, events: context.events)
        router.register(TokenRPC.logout) { request, call in
            try await logout.logout(request, requestID: call.requestID)
        }
        router.register(TokenRPC.logoutAll) { request, call in
            try await logout.logoutAll(request, requestID: call.requestID)
        }
        let sessionStore = SessionStore(postgres: context.postgres, logger: context.logger)
        router.register(TokenRPC.sessions) { request, _ in
            guard let user = UUID(uuidString: request.userID) else { throw Problem.notFound("No such account.", code: "account_not_found") }
            return SessionList(sessions: try await sessionStore.open(userID: user, current: UUID(uuidString: request.currentSessionID)))
        }
        router.register(TokenRPC.endSession) { request, call in
            guard let user = UUID(uuidString: request.userID), let session = UUID(uuidString: request.sessionID) else {
                throw Problem.notFound("No such session.", code: "session_not_found")
            }
            let ended = try await sessionStore.end(sessionID: session, userID: user, requestID: call.requestID)
            guard ended == 1 else { throw Problem.notFound("No open session \(request.sessionID) of yours.", code: "session_not_found") }
            return LogoutResponse(sessionsEnded: 1)
        }
        let profiles = ProfileStore(postgres: context.postgres, logger: context.logger)
        router.register(TokenRPC.me) { request, _ in
            guard let id = UUID(uuidString: request.userID), let profile = try await profiles.profile(userID: id, serviceSlug: request.service) else {
                throw Problem.notFound("No such account.", code: "account_not_found")
            }
            return profile
        }
    }
}
