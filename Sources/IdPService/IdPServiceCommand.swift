// idp-service: service providers, identity profiles, verification transactions and callbacks.
// Its edge is RPC (RPC/), its rules the domain types and actors (Verification/, Crypto/,
// Providers/), its SQL in Store/, its workers in Jobs/.
import ArgumentParser
import Foundation
import ServiceLifecycle
import Shared

enum IdPBackend: BackendDescriptor {
  static let definition = BackendDefinition(
    service: .idp, schema: "idp",
    migrationsDirectory: Bundle.module.url(forResource: "Migrations", withExtension: nil),
    registerMethods: { router, context in
      let parts = try IdPParts(context)
      IdPMethodHandlers.register(
        &router, parts.verification, parts.phones,
        ServiceProviderAdministration(store: parts.providers, environment: context.config.environment))
    },
    makeWorkers: { context in try IdPParts(context).workers(context) },
    cleanupTasks: { _ in
      RetentionStore(retention: try readSetting(service: .idp) { () throws(ConfigurationError) in try IdPRetention.load() }).tasks()
    },
    onStart: { context in try await LocalDemo.seed(context) })
}

/// The pieces of idp-service, wired once per process part (RPC or workers).
struct IdPParts {
  let settings: CallbackSettings
  let providers: ServiceProviderStore
  let transactions: TransactionStore
  let deliveries: DeliveryStore
  let callbacks: CallbackDelivery
  let announcer: DecisionAnnouncer
  let verification: Verification
  let phones: PhoneProof
  let sms: SMSDelivery

  init(_ context: BackendContext) throws {
    settings = try readSetting(service: .idp) { () throws(ConfigurationError) in try CallbackSettings.load() }
    let rules = try readSetting(service: .idp) { () throws(ConfigurationError) in try Verification.Rules.load() }
    providers = ServiceProviderStore(postgres: context.postgres, keyRing: context.keyRing, logger: context.logger)
    let profiles = IdentityProfileStore(postgres: context.postgres, logger: context.logger)
    let vault = IdentityVault(keyRing: context.keyRing)
    let pins = PinVerifier(keyRing: context.keyRing)
    transactions = TransactionStore(postgres: context.postgres, profiles: profiles, deliveryLease: settings.lease, logger: context.logger)
    let decider = TransactionDecider(store: transactions, providers: providers, vault: vault, pins: pins)
    deliveries = DeliveryStore(postgres: context.postgres, logger: context.logger)
    callbacks = CallbackDelivery(
      deliveries: deliveries, providers: providers, settings: settings,
      http: CallbackDelivery.http(environment: context.config.environment, timeout: settings.timeout),
      logger: context.logger)
    announcer = DecisionAnnouncer(
      redis: context.redis, events: context.events, callbacks: callbacks,
      direct: DirectCallbacks(capacity: settings.directAttempts), logger: context.logger)
    verification = Verification(
      providers: providers, profiles: profiles, transactions: transactions, decider: decider,
      actors: TransactionActors(),
      announcer: announcer, vault: vault, pins: pins, events: context.events, rules: rules,
      signals: SecuritySignals(redis: context.redis, logger: context.logger))
    let smsSettings = try readSetting(service: .idp) { () throws(ConfigurationError) in
      try SMSSettings.load(environment: context.config.environment)
    }
    let codeRules = try readSetting(service: .idp) { () throws(ConfigurationError) in try PhoneCodeRules.load() }
    let claims = PhoneClaimStore(postgres: context.postgres, outbox: try Outbox(table: "idp.outbox"), logger: context.logger)
    let codes = PhoneCodes(keyRing: context.keyRing)
    phones = PhoneProof(
      profiles: profiles, claims: claims, codes: codes, vault: vault, pins: pins, sms: smsSettings, rules: codeRules,
      redis: context.redis, logger: context.logger)
    sms = SMSDelivery(outbox: claims.outbox, claims: claims, codes: codes, settings: smsSettings, rules: codeRules, logger: context.logger)
  }

  func workers(_ context: BackendContext) -> [any Service] {
    var options = JobWorker.Options()
    options.concurrency = context.config.jobConcurrency
    options.claimIdle = context.config.jobClaimIdle
    let worker = JobWorker(
      queue: CallbackDelivery.queue, redis: context.redis, consumer: context.config.instanceID,
      options: options, logger: context.logger
    ) { job in try await callbacks.handle(job) }
    let sweeper = IdPSweeper(
      transactions: transactions, deliveries: deliveries, announcer: announcer, settings: settings,
      redis: context.redis, logger: context.logger)
    context.logger.info("SMS codes go to \(sms.settings.destination)")
    return [worker, sweeper] + sms.services(context)
  }
}

@main
struct IdPServiceCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration.backend(
    IdPBackend.self, name: "idp-service", abstract: "Gatehouse identity verification service.",
    adminCommands: [IdPAdminCommand.self])
}
