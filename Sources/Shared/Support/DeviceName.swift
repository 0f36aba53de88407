/// A user agent as a person names it ("Chrome 131 · Windows"), or its start when it is no
/// browser we know: the sessions list and the sign-in history show it.
public enum DeviceName {
  public static func of(_ userAgent: String?) -> String {
    guard let userAgent, !userAgent.isEmpty else { return "—" }
    let browsers: [(String, String)] = [
      ("Edg/", "Edge"), ("SamsungBrowser/", "Samsung Internet"), ("Whale/", "Whale"), ("Firefox/", "Firefox"),
      ("HeadlessChrome/", "Headless Chrome"), ("Chrome/", "Chrome"), ("Version/", "Safari"),
    ]
    let systems: [(String, String)] = [
      ("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Windows", "Windows"), ("Mac OS X", "macOS"),
      ("CrOS", "ChromeOS"), ("Linux", "Linux"),
    ]
    let found = browsers.lazy.compactMap { marker, name in userAgent.range(of: marker).map { (name, $0) } }.first
    guard let (name, range) = found else {
      return userAgent.count > 60 ? String(userAgent.prefix(59)) + "…" : userAgent
    }
    let major = userAgent[range.upperBound...].prefix { $0.isNumber }
    let system = systems.first { userAgent.contains($0.0) }.map { " · \($0.1)" } ?? ""
    return name + (major.isEmpty ? "" : " \(major)") + system
  }
}
