/// W3C Trace Context `traceparent` (version 00): carried from the gateway through every RPC.
public struct TraceParent: Sendable, CustomStringConvertible {
  public let traceID: String
  public let parentID: String
  public let flags: String

  public init?(_ header: String) {
    let parts = header.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
    guard parts.count == 4, parts[0] == "00",
      parts[1].count == 32, parts[1].allSatisfy(\.isHexDigit), parts[1] != String(repeating: "0", count: 32),
      parts[2].count == 16, parts[2].allSatisfy(\.isHexDigit), parts[2] != String(repeating: "0", count: 16),
      parts[3].count == 2, parts[3].allSatisfy(\.isHexDigit)
    else { return nil }
    self.traceID = parts[1].lowercased()
    self.parentID = parts[2].lowercased()
    self.flags = parts[3].lowercased()
  }

  private init(traceID: String, parentID: String, flags: String) {
    self.traceID = traceID
    self.parentID = parentID
    self.flags = flags
  }

  /// A new trace, sampled.
  public static func random() -> TraceParent {
    TraceParent(traceID: randomHex(bytes: 16), parentID: randomHex(bytes: 8), flags: "01")
  }

  /// The same trace with a new span id for the next hop.
  public func child() -> TraceParent {
    TraceParent(traceID: traceID, parentID: Self.randomHex(bytes: 8), flags: flags)
  }

  public var description: String { "00-\(traceID)-\(parentID)-\(flags)" }

  static func randomHex(bytes: Int) -> String { SecureRandom.hex(bytes: bytes) }
}
