import Foundation
import Logging
import Synchronization

public enum LogFormat: String, Sendable {
  case json, text
}

/// Writes one JSON object per line to standard error: time, level, message, the process's
/// service and instance, and every metadata value (request_id, trace_id, ...).
public struct JSONLogHandler: LogHandler {
  public var metadata: Logger.Metadata = [:]
  public var logLevel: Logger.Level = .info
  public var metadataProvider: Logger.MetadataProvider?
  let label: String
  let format: LogFormat

  public init(label: String, format: LogFormat, level: Logger.Level, metadata: Logger.Metadata) {
    self.label = label
    self.format = format
    self.logLevel = level
    self.metadata = metadata
  }

  public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }

  public func log(event: LogEvent) {
    var merged = metadata
    if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
    if let extra = event.metadata { merged.merge(extra) { _, new in new } }
    let line: String
    switch format {
    case .json:
      var object: [String: Any] = [
        "ts": Self.timestamp(),
        "level": event.level.rawValue,
        "msg": event.message.description,
        "logger": label,
      ]
      for (key, value) in merged { object[key] = Self.plain(value) }
      let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
      line = String(decoding: data, as: UTF8.self)
    case .text:
      let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
      line = "\(Self.timestamp()) \(event.level.rawValue.uppercased()) \(label): \(event.message) \(fields)"
    }
    LogOutput.write(line + "\n")
  }

  private static func plain(_ value: Logger.MetadataValue) -> Any {
    switch value {
    case .string(let s): return s
    case .stringConvertible(let c): return c.description
    case .array(let a): return a.map(plain)
    case .dictionary(let d): return d.mapValues(plain)
    }
  }

  private static func timestamp() -> String {
    Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
  }
}

/// Serialises writes to standard error so concurrent log lines never interleave.
enum LogOutput {
  private static let lock = Mutex<Void>(())

  static func write(_ line: String) {
    lock.withLock { _ in
      FileHandle.standardError.write(Data(line.utf8))
    }
  }
}
