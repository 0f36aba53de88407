import ServiceLifecycle

extension BackendContext {
  /// The worker of an outbox queue whose jobs each talk to a slow outside server (an SMS API, an
  /// SMTP server) and the sweeper of its rows in `outbox`. Each job holds a pooled connection while it does
  /// (the outbox row stays locked so nothing goes twice), so two run at a time: the outside
  /// server can never take the pool the request paths need.
  public func outboxDelivery(
    queue: JobQueue, outbox: Outbox, maxAttempts: Int, retryBase: Duration, handler: @escaping JobWorker.Handler
  ) -> [any Service] {
    var options = JobWorker.Options()
    options.concurrency = min(2, config.jobConcurrency)
    options.claimIdle = config.jobClaimIdle
    options.retry = RetryPolicy(maxAttempts: maxAttempts, baseDelay: retryBase, maxDelay: .seconds(60))
    let worker = JobWorker(queue: queue, redis: redis, consumer: config.instanceID, options: options, logger: logger, handler: handler)
    return [worker, OutboxSweeper(outbox: outbox, queue: queue, client: postgres, redis: redis, logger: logger)]
  }
}
