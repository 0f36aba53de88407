/// Personal data as operators see it (docs/admin.md, "Users"): enough to recognise a person
/// they are talking to, not enough to write to them or to narrow them down.
public enum Masked {
  /// `jiwoo.kim@example.com` → `ji***@example.com`, `ada@example.com` → `a***@example.com`:
  /// three stars whatever the length.
  public static func email(_ email: String) -> String {
    guard let at = email.lastIndex(of: "@") else { return "***" }
    let local = email[..<at]
    return local.prefix(local.count > 4 ? 2 : 1) + "***" + email[at...]
  }

  /// Each word's first letter: `Jiwoo Kim` → `J**** K**`, `김지우` → `김**`.
  public static func name(_ name: String) -> String {
    name.split(separator: " ").map { word in word.prefix(1) + String(repeating: "*", count: word.count - 1) }.joined(separator: " ")
  }
}
