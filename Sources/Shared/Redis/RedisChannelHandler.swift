import NIOCore

/// A command on its way out, with the promise its reply completes.
struct RedisRequest: Sendable {
  let command: RedisCommand
  let promise: EventLoopPromise<RESPValue>
  let timeout: TimeAmount?
}

/// Pipelines commands on one connection: replies arrive in the order the commands went out, so a
/// FIFO of promises pairs them. In pub/sub mode, `message` pushes go to `onPush` instead.
final class RedisChannelHandler: ChannelDuplexHandler {
  typealias InboundIn = ByteBuffer
  typealias OutboundIn = RedisRequest
  typealias OutboundOut = ByteBuffer

  private struct Pending {
    let promise: EventLoopPromise<RESPValue>
    let timeout: Scheduled<Void>?
  }

  private let reader = RESPReader()
  private var pending = CircularBuffer<Pending>(initialCapacity: 64)
  private let onPush: (@Sendable (RESPValue) -> Void)?

  init(onPush: (@Sendable (RESPValue) -> Void)?) {
    self.onPush = onPush
  }

  func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
    let request = unwrapOutboundIn(data)
    let timeout = request.timeout.map { amount in
      // A missing reply means the connection is no longer trustworthy: close it, which fails
      // every command still waiting on it.
      let channel = context.channel
      return context.eventLoop.scheduleTask(in: amount) {
        channel.close(mode: .all, promise: nil)
      }
    }
    pending.append(Pending(promise: request.promise, timeout: timeout))
    context.write(wrapOutboundOut(request.command.encoded), promise: promise)
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    do {
      try reader.feed(unwrapInboundIn(data))
      while let reply = try reader.next() {
        if let onPush, Self.isPush(reply) {
          onPush(reply)
        } else if let head = pending.popFirst() {
          head.timeout?.cancel()
          head.promise.succeed(reply)
        } else {
          throw RedisError.protocolError("reply without a command")
        }
      }
    } catch {
      context.fireErrorCaught(error)
    }
  }

  func channelInactive(context: ChannelHandlerContext) {
    failAll(RedisError.connectionClosed)
    context.fireChannelInactive()
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    failAll(error)
    context.close(promise: nil)
  }

  private func failAll(_ error: any Error) {
    while let head = pending.popFirst() {
      head.timeout?.cancel()
      head.promise.fail(error)
    }
  }

  private static func isPush(_ reply: RESPValue) -> Bool {
    guard case .array(let items) = reply, let kind = items.first?.string else { return false }
    return kind == "message" || kind == "pmessage"
  }
}
