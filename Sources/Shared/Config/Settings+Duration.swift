import Foundation

extension Settings {
  /// A span of time written with its unit: `45s`, `30m`, `12h`, `90d`. Retention periods are
  /// read this way so that `90d` and `30m` are both readable where seconds would not be.
  public func duration(_ name: String, default value: Duration, range: ClosedRange<Duration>) throws(ConfigurationError) -> Duration {
    guard let text = string(name)?.trimmingCharacters(in: .whitespaces).lowercased() else { return value }
    let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
    guard let unit = text.last.flatMap({ units[$0] }), let count = Int64(text.dropLast()), count >= 0,
      count <= Int64.max / unit
    else {
      throw ConfigurationError(name: name, problem: "expected a number with a unit (s, m, h or d), such as 30d or 12h, got '\(text)'")
    }
    let parsed = Duration.seconds(count * unit)
    guard range.contains(parsed) else {
      throw ConfigurationError(
        name: name, problem: "expected \(Self.describe(range.lowerBound)) to \(Self.describe(range.upperBound)), got '\(text)'")
    }
    return parsed
  }

  /// `90d`, `12h`, `30m` or `45s`: the largest unit that divides the span.
  public static func describe(_ duration: Duration) -> String {
    let seconds = duration.components.seconds
    for (unit, size) in [("d", Int64(86_400)), ("h", 3600), ("m", 60)] where seconds >= size && seconds % size == 0 {
      return "\(seconds / size)\(unit)"
    }
    return "\(seconds)s"
  }
}
