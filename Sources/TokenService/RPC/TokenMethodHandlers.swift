// RPC/: token-service's edge. Handlers are thin: decode, call the domain or store, answer.
import Shared

enum TokenMethodHandlers {
    static func register(_ router: inout RPCRouter, _ context: BackendContext) {
        let keys = SigningKeyStore(postgres: context.postgres, keyRing: context.keyRing, logger: context.logger)
        router.register(TokenRPC.jwks) { _, _ in
            try await keys.published()
        }
    }
}
