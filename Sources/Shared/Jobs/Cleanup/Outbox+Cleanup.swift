extension Outbox {
  /// Rows done more than `retention` ago: once done, a row only matters to someone tracing a
  /// job (`GATEHOUSE_RETENTION_OUTBOX`, default 7 days). Every backend cleans its own.
  static func cleanupTask(schema: String, retention: Duration) throws -> CleanupTask {
    let table = try SQLIdentifier("\(schema).outbox")
    return .rows(of: table.description, key: "id", retention: retention, where: "done_at < now() - make_interval(secs => $1)")
  }
}
