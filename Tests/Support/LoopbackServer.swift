import Hummingbird
import Logging
import NIOCore

/// Runs `router` on a free loopback port until its task is cancelled: the stand-ins for the
/// servers Gatehouse calls (an SP's callback endpoint, the SMS API). Returns the port and the task.
func startLoopbackServer(_ router: Router<BasicRequestContext>, label: String) async -> (port: Int, task: Task<Void, any Error>) {
  let (ports, portReady) = AsyncStream.makeStream(of: Int.self)
  var logger = Logger(label: label)
  logger.logLevel = .warning
  let app = Application(
    router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
    onServerRunning: { channel in portReady.yield(channel.localAddress?.port ?? 0) }, logger: logger)
  let task = Task { try await app.runService(gracefulShutdownSignals: []) }
  var bound = 0
  for await port in ports {
    bound = port
    break
  }
  return (bound, task)
}
