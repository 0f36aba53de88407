/// The client addresses the audit log keeps and is searched by.
public enum AuditAddress {
  /// `text` when it is an IPv4 or IPv6 address (so the `inet` cast cannot fail the change it is
  /// written with), else nil.
  public static func address(_ text: String) -> String? {
    bits(text) != nil ? text : nil
  }

  /// A search for `ip=`: an address or a CIDR block (`203.0.113.0/24`, `2001:db8::/32`), else 422.
  public static func block(_ text: String) throws(Problem) -> String {
    let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
    guard let width = bits(parts[0]),
      parts.count == 1 || (Int(parts[1]).map { (0...width).contains($0) } ?? false)
    else {
      throw RequestProblems.invalidField.problem("ip is an IPv4 or IPv6 address or CIDR block.", field: "ip")
    }
    return text
  }

  /// 32 or 128 for a valid address, else nil.
  private static func bits(_ text: String) -> Int? {
    switch IPAddress(literal: text) {
    case .v4?: return 32
    case .v6?: return 128
    case nil: return nil
    }
  }
}
