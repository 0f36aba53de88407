import ServiceLifecycle

/// Sleeps for `duration`, returning early when graceful shutdown begins or the task is cancelled.
public func pause(for duration: Duration) async {
  try? await cancelWhenGracefulShutdown { try await Task.sleep(for: duration) }
}

/// Runs `body` until it ends, or until graceful shutdown begins (then it is cancelled): for
/// work that would otherwise go on forever, such as a long-lived response stream.
public func untilGracefulShutdown(_ body: @escaping @Sendable () async throws -> Void) async throws {
  try await cancelWhenGracefulShutdown { try await body() }
}
