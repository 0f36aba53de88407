import Logging
import ServiceLifecycle
import Shared

/// Deletes the rows of `token.revocations` that no token can need any more (migration 010): past
/// their expiry, every token they refused has expired too. Every worker instance prunes; a
/// DELETE of rows already gone is harmless, so no lock is needed.
struct RevocationPruning: Service {
    let store: RevocationStore
    let every: Duration = .seconds(600)
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let pruned = try await store.prune()
                if pruned > 0 { logger.info("expired revocations pruned", metadata: ["rows": "\(pruned)"]) }
            } catch {
                logger.warning("pruning revocations failed", metadata: ["error": "\(StatementRefused.loggable(error))"])
            }
            await pause(for: every)
        }
    }
}
