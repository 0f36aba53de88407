import ServiceLifecycle

/// Sleeps for `duration`, returning early when graceful shutdown begins or the task is cancelled.
public func pause(for duration: Duration) async {
    try? await cancelWhenGracefulShutdown { try await Task.sleep(for: duration) }
}
