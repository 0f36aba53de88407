import Foundation

/// One numbered SQL file (`001_init.sql`): its version, name and text.
public struct Migration: Sendable, Equatable {
  public let version: Int
  public let name: String
  public let sql: String

  public init(version: Int, name: String, sql: String) {
    self.version = version
    self.name = name
    self.sql = sql
  }

  /// Reads every `NNN_name.sql` in `directory`, in version order. Two files with one version
  /// are an error, not a coin toss.
  public static func load(from directory: URL) throws -> [Migration] {
    let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
      .filter { $0.pathExtension == "sql" }
    var migrations: [Migration] = []
    for file in files {
      let base = file.deletingPathExtension().lastPathComponent
      guard let underscore = base.firstIndex(of: "_"), let version = Int(base[..<underscore]) else {
        throw MigrationError.badFileName(file.lastPathComponent)
      }
      let sql = try String(contentsOf: file, encoding: .utf8)
      migrations.append(Migration(version: version, name: String(base[base.index(after: underscore)...]), sql: sql))
    }
    migrations.sort { $0.version < $1.version }
    for (a, b) in zip(migrations, migrations.dropFirst()) where a.version == b.version {
      throw MigrationError.duplicateVersion(a.version)
    }
    return migrations
  }
}

public enum MigrationError: Error, CustomStringConvertible {
  case badFileName(String)
  case duplicateVersion(Int)
  case failed(schema: String, version: Int, name: String, underlying: String)

  public var description: String {
    switch self {
    case .badFileName(let f): return "migration file \(f) is not named NNN_name.sql"
    case .duplicateVersion(let v): return "two migration files have version \(v)"
    case .failed(let s, let v, let n, let u): return "migration \(s) \(v)_\(n) failed: \(u)"
    }
  }
}
