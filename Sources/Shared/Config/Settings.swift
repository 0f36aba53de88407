import Configuration
import Foundation

/// Reads settings from environment variables through swift-configuration. A secret may instead be
/// given as `NAME_FILE`, the path of a file holding it. A malformed value is an error that names
/// the variable; nothing falls back silently to a default.
public struct Settings: Sendable {
  let reader: ConfigReader

  public init(reader: ConfigReader) {
    self.reader = reader
  }

  /// The process environment.
  public static func fromEnvironment() -> Settings {
    Settings(reader: ConfigReader(provider: EnvironmentVariablesProvider()))
  }

  private func key(_ name: String) -> ConfigKey {
    ConfigKey(name.lowercased().split(separator: "_").map(String.init))
  }

  public func string(_ name: String) -> String? {
    guard let value = reader.string(forKey: key(name)), !value.isEmpty else { return nil }
    return value
  }

  public func string(_ name: String, default value: String) -> String {
    string(name) ?? value
  }

  public func int(_ name: String, default value: Int, range: ClosedRange<Int> = Int.min...Int.max) throws(ConfigurationError) -> Int {
    try int(name, range: range) ?? value
  }

  /// `name` as an integer within `range`, or nil when it is not set.
  public func int(_ name: String, range: ClosedRange<Int> = Int.min...Int.max) throws(ConfigurationError) -> Int? {
    guard let text = string(name) else { return nil }
    guard let number = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(number) else {
      throw ConfigurationError(name: name, problem: "expected an integer in \(range.lowerBound)...\(range.upperBound), got '\(text)'")
    }
    return number
  }

  public func bool(_ name: String, default value: Bool) throws(ConfigurationError) -> Bool {
    guard let text = string(name) else { return value }
    switch text.lowercased() {
    case "1", "true", "yes", "on": return true
    case "0", "false", "no", "off": return false
    default: throw ConfigurationError(name: name, problem: "expected 1/0, true/false, yes/no or on/off, got '\(text)'")
    }
  }

  public func choice<T: RawRepresentable>(_ name: String, default value: T) throws(ConfigurationError) -> T where T.RawValue == String {
    guard let text = string(name) else { return value }
    guard let parsed = T(rawValue: text.lowercased()) else {
      throw ConfigurationError(name: name, problem: "unknown value '\(text)'")
    }
    return parsed
  }

  /// A secret: `NAME`, or the contents of the file `NAME_FILE` (trailing newline removed).
  public func secret(_ name: String) throws(ConfigurationError) -> String? {
    if let path = string("\(name)_FILE") {
      guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
        throw ConfigurationError(name: "\(name)_FILE", problem: "cannot read '\(path)'")
      }
      let trimmed = text.trimmingCharacters(in: .newlines)
      return trimmed.isEmpty ? nil : trimmed
    }
    guard let value = reader.string(forKey: key(name), isSecret: true), !value.isEmpty else { return nil }
    return value
  }
}

/// A setting that is missing or malformed: start-up stops with `description` as its one line.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
  public let name: String
  public let problem: String

  public init(name: String, problem: String) {
    self.name = name
    self.problem = problem
  }
  public var description: String { "configuration error: \(name): \(problem)" }
}
