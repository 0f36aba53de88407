/// A client as an audit row keeps it, in the row's own `ip` and `user_agent` columns so the
/// log can be searched by address: only a valid IPv4 or IPv6 address (the gateway derived it),
/// and the user agent without control characters, at most 512 of them.
public struct AuditClient: Sendable {
  public let ip: String?
  public let userAgent: String?

  public init(_ client: ClientInfo?) {
    ip = client?.ip.flatMap(AuditAddress.address)
    userAgent = client?.userAgent.map { String($0.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.prefix(512)) }
  }
}
