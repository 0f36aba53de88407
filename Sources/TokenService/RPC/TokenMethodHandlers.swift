// RPC/: token-service's edge. Handlers are thin: decode, call the domain or store, answer.
import Foundation
import Shared

enum TokenMethodHandlers {
    static func register(_ router: inout RPCRouter, _ context: BackendContext) throws {
        let keys = SigningKeyStore(postgres: context.postgres, keyRing: context.keyRing, logger: context.logger)
        router.register(TokenRPC.jwks) { _, _ in
            try await keys.published()
        }
        let registration = Registration(
            services: ServiceStore(postgres: context.postgres, logger: context.logger),
            accounts: AccountStore(postgres: context.postgres, logger: context.logger),
            hasher: try readSetting(service: .token) { () throws(ConfigurationError) in try PasswordHasher.fromSettings(.fromEnvironment()) })
        router.register(TokenRPC.register) { request, call in
            try await registration.register(request, requestID: call.requestID)
        }
    }
}
