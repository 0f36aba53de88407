import Logging
import NIOCore
import NIOPosix

/// Where and how to reach Redis.
public struct RedisEndpoint: Sendable {
    public var host: String
    public var port: Int
    public var password: String?
    public var connectTimeout: TimeAmount = .seconds(1)

    public init(host: String, port: Int, password: String? = nil) {
        self.host = host
        self.port = port
        self.password = password
    }
}

/// One TCP connection to Redis, driven by SwiftNIO; commands from any task are pipelined on it.
public final class RedisConnection: Sendable {
    let channel: any Channel

    private init(channel: any Channel) {
        self.channel = channel
    }

    public var isActive: Bool { channel.isActive }

    /// Commands that expect no reply within the default 5 s (blocking pops) pass a longer timeout.
    public static let defaultTimeout: TimeAmount = .seconds(5)

    static func connect(
        to endpoint: RedisEndpoint,
        on group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        onPush: (@Sendable (RESPValue) -> Void)? = nil
    ) async throws -> RedisConnection {
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(endpoint.connectTimeout)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(RedisChannelHandler(onPush: onPush))
                    }
                }
                .connect(host: endpoint.host, port: endpoint.port)
                .get()
        } catch {
            throw RedisError.unavailable("cannot connect to \(endpoint.host):\(endpoint.port): \(error)")
        }
        let connection = RedisConnection(channel: channel)
        if let password = endpoint.password {
            do {
                _ = try await connection.send(RedisCommand("AUTH", .string(password)))
            } catch {
                connection.close()
                throw error
            }
        }
        return connection
    }

    /// Sends one command and waits for its reply. Error replies are thrown as `RedisError.server`.
    @discardableResult
    public func send(_ command: RedisCommand, timeout: TimeAmount? = RedisConnection.defaultTimeout) async throws -> RESPValue {
        let promise = channel.eventLoop.makePromise(of: RESPValue.self)
        channel.writeAndFlush(RedisRequest(command: command, promise: promise, timeout: timeout)).cascadeFailure(to: promise)
        let reply = try await promise.futureResult.get()
        if case .error(let message) = reply { throw RedisError.server(message) }
        return reply
    }

    public func close() {
        channel.close(mode: .all, promise: nil)
    }

    /// Completes when the connection closes, for whatever reason.
    func closed() async {
        try? await channel.closeFuture.get()
    }
}
