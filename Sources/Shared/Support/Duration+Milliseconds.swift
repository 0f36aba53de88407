extension Duration {
  /// Whole milliseconds, rounded down.
  public var milliseconds: Int64 {
    components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
  }
}

extension Duration {
  /// Milliseconds with fractions, for latencies reported in JSON and logs.
  public var fractionalMilliseconds: Double {
    Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
  }
}
