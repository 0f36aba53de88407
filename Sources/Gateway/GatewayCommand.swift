// gateway: the only public HTTP listener. Routing, request ids, problem responses, readiness and
// metrics here; every decision that needs data is an RPC to the service that owns it (no SQL).
import ArgumentParser
import Hummingbird
import Logging
import Shared

@main
struct GatewayCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "gateway",
    abstract: "Gatehouse gateway: the public HTTP API.",
    subcommands: [Serve.self],
    defaultSubcommand: Serve.self)

  struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the public HTTP API.")

    func run() async throws {
      let config = try loadConfiguration(service: ServiceName("gateway"))
      let logger = Logger(label: "gatehouse.gateway")
      let redis = RedisClient(endpoint: config.redis, sharedConnections: config.redisConnections, logger: logger)
      let rpc = RPCClient(redis: redis, instanceID: config.instanceID, defaultTimeout: config.rpcTimeout, logger: logger)
      await rpc.startOrRetryLater()
      let readiness = ReadinessCheck(redis: redis, rpc: rpc, backends: ServiceName.backends)
      let keys = JWKSCache(rpc: rpc)
      let revocations = RevocationList(rpc: rpc)
      let closedServices = ClosedServices(rpc: rpc)
      let limits = try readSetting(service: ServiceName("gateway")) { () throws(ConfigurationError) in try RateLimits(redis: redis) }
      let proxies = try readSetting(service: ServiceName("gateway")) { () throws(ConfigurationError) in try TrustedProxies() }
      let origins = AllowedOrigins(rpc: rpc)
      let waiters = TransactionWaiters()
      let events = EventBus(redis: redis, logger: logger)
      let router = GatewayRouter.make(
        readiness: readiness, keys: keys, revocations: revocations, closedServices: closedServices, rpc: rpc, limits: limits,
        proxies: proxies, origins: origins, waiters: waiters, events: events, issuer: config.issuer,
        pages: try await HostedPages.load(), signals: SecuritySignals(redis: redis, logger: logger))
      let app = Application(
        router: router,
        configuration: .init(address: .hostname(config.httpHost, port: config.httpPort), serverName: nil),
        logger: logger)
      logger.info("gateway listening", metadata: ["address": "\(config.httpHost):\(config.httpPort)"])
      // Revocations made while this gateway was down are refused from its first request on:
      // the list loads in `follow`, and a token is not accepted before it has loaded once.
      let rotations = await events.subscribe(Topics.keys)
      let revoked = await events.subscribe(Topics.revoked)
      let configChanges = await events.subscribe(Topics.config)
      let serviceChanges = await events.subscribe(Topics.config)
      let transactionChanges = await events.subscribe(Topics.idp)
      let following = Task {
        async let keysFollowed: Void = keys.follow(rotations)
        async let revocationsFollowed: Void = revocations.follow(revoked, subscriber: redis.subscriber, logger: logger)
        async let originsFollowed: Void = origins.follow(configChanges)
        async let waitersFollowed: Void = waiters.follow(transactionChanges)
        async let closedFollowed: Void = closedServices.follow(serviceChanges)
        _ = await (keysFollowed, revocationsFollowed, originsFollowed, waitersFollowed, closedFollowed)
      }
      defer { following.cancel() }
      try await runServiceGroup([redis, app], config: config, logger: logger)
    }
  }
}
