import Logging
import NIOCore
import NIOPosix
import Synchronization

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
  /// Commands waiting to be written, and whether a write-out is already scheduled. Commands
  /// from many tasks are written together and flushed once: one syscall and one event-loop
  /// wake-up for a burst instead of one each.
  private let queued = Mutex<(requests: [RedisRequest], scheduled: Bool)>(([], false))

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
    let request = RedisRequest(command: command, promise: promise, timeout: timeout)
    let schedule = queued.withLock { queued in
      queued.requests.append(request)
      defer { queued.scheduled = true }
      return !queued.scheduled
    }
    if schedule {
      channel.eventLoop.execute { self.writeQueued() }
    }
    let reply = try await promise.futureResult.get()
    if case .error(let message) = reply { throw RedisError.server(message) }
    return reply
  }

  /// On the event loop: writes every queued command, then flushes once.
  private func writeQueued() {
    let requests = queued.withLock { queued in
      defer { queued = ([], false) }
      return queued.requests
    }
    guard channel.isActive else {
      for request in requests { request.promise.fail(RedisError.connectionClosed) }
      return
    }
    for request in requests {
      channel.write(request, promise: nil)
    }
    channel.flush()
  }

  public func close() {
    channel.close(mode: .all, promise: nil)
  }

  /// Completes when the connection closes, for whatever reason.
  func closed() async {
    try? await channel.closeFuture.get()
  }
}
