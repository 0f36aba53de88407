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
            let router = GatewayRouter.make(readiness: readiness, keys: keys, rpc: rpc, issuer: config.issuer)
            let app = Application(
                router: router,
                configuration: .init(address: .hostname(config.httpHost, port: config.httpPort), serverName: nil),
                logger: logger)
            logger.info("gateway listening", metadata: ["address": "\(config.httpHost):\(config.httpPort)"])
            let rotations = await EventBus(redis: redis, logger: logger).subscribe(Topics.keys)
            let following = Task { await keys.follow(rotations) }
            defer { following.cancel() }
            try await runServiceGroup([redis, app], config: config, logger: logger)
        }
    }
}
