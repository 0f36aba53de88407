// token-service: users, credentials, services (tenants), sessions, tokens and signing keys.
// Its edge is RPC (RPC/), its rules the domain types, its SQL in Store/, its cleanup in Jobs/.
import ArgumentParser
import Foundation
import ServiceLifecycle
import Shared

enum TokenBackend: BackendDescriptor {
  static let definition = BackendDefinition(
    service: .token, schema: "token",
    migrationsDirectory: Bundle.module.url(forResource: "Migrations", withExtension: nil),
    registerMethods: TokenMethodHandlers.register,
    makeWorkers: { context in
      var workers: [any Service] = try AccountMail.workers(context) + AccountErasureDelivery.workers(context)
      if let interval = try readSetting(service: .token, { () throws(ConfigurationError) in try KeyRotationSchedule.interval() }) {
        let store = SigningKeyStore(postgres: context.postgres, keyRing: context.keyRing, logger: context.logger)
        workers.append(KeyRotationSchedule(store: store, events: context.events, interval: interval, logger: context.logger))
      }
      if let seconds = try readSetting(service: .token, { () throws(ConfigurationError) in try AuditChainSchedule.seconds() }) {
        let store = AuditChainStore(postgres: context.postgres, logger: context.logger)
        workers.append(AuditChainSchedule(store: store, seconds: seconds, logger: context.logger))
      }
      return workers
    },
    cleanupTasks: { _ in
      RetentionStore(retention: try readSetting(service: .token) { () throws(ConfigurationError) in try TokenRetention.load() }).tasks()
    },
    onStart: { context in
      // A new database gets its first keys here, so tokens can be signed from the start.
      if let first = try await SigningKeyStore(postgres: context.postgres, keyRing: context.keyRing, logger: context.logger)
        .initializeIfEmpty()
      {
        _ = try? await context.events.publish(Topics.keys, KeysChanged(currentKid: first.current))
      }
      try await AccountConsoleStore(postgres: context.postgres, logger: context.logger).ensure(issuer: context.config.issuer)
      try await LocalDemo.seed(context)
    })
}

@main
struct TokenServiceCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration.backend(
    TokenBackend.self, name: "token-service", abstract: "Gatehouse token service: accounts, sessions and tokens.",
    adminCommands: [KeysCommand.self, AdminCommand.self])
}
