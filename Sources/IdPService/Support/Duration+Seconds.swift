extension Duration {
  /// The duration in seconds, as PostgreSQL intervals and settings take it.
  var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
