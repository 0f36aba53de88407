import Foundation
import Logging
import PostgresNIO

/// What one schema needs: its migrations, and the privileges the app role gets on its tables.
public struct SchemaMigrations: Sendable {
  public let schema: String
  public let migrations: [Migration]
  /// `SELECT, INSERT, UPDATE, DELETE` for ordinary schemas; `SELECT, INSERT` for append-only audit.
  public let appPrivileges: String

  public init(schema: String, migrations: [Migration], appPrivileges: String = "SELECT, INSERT, UPDATE, DELETE") {
    self.schema = schema
    self.migrations = migrations
    self.appPrivileges = appPrivileges
  }
}

extension SchemaMigrations {
  /// `audit.events`, shared by every service; the app role may only read and append.
  public static func audit() throws -> SchemaMigrations {
    guard let directory = Bundle.module.url(forResource: "Migrations/audit", withExtension: nil) else {
      throw MigrationError.badFileName("Migrations/audit (resource bundle missing)")
    }
    return SchemaMigrations(schema: "audit", migrations: try Migration.load(from: directory), appPrivileges: "SELECT, INSERT")
  }
}

/// Applies pending migrations, each in its own transaction, recorded in
/// `<schema>.schema_migrations`. A session advisory lock serialises every instance that starts at
/// once: the first applies, the others wait and then find nothing left to do.
public struct MigrationRunner: Sendable {
  /// Shared by every Gatehouse schema: migrations of different services never interleave.
  static let lockKey: Int64 = 0x6761_7465_686F_7573  // "gatehous"

  let client: PostgresClient
  let appRole: String
  let logger: Logger

  public init(client: PostgresClient, appRole: String, logger: Logger) {
    self.client = client
    self.appRole = appRole
    self.logger = logger
  }

  /// Returns the versions applied now, per schema, in order.
  @discardableResult
  public func migrate(_ targets: [SchemaMigrations]) async throws -> [String: [Int]] {
    try await client.withConnection { connection in
      _ = try await connection.query("SELECT pg_advisory_lock(\(Self.lockKey))", logger: logger).collect()
      do {
        var applied: [String: [Int]] = [:]
        for target in targets {
          applied[target.schema] = try await migrate(target, on: connection)
        }
        _ = try await connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))", logger: logger).collect()
        return applied
      } catch {
        _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))", logger: logger).collect()
        throw error
      }
    }
  }

  private func migrate(_ target: SchemaMigrations, on connection: PostgresConnection) async throws -> [Int] {
    let schema = try SQLIdentifier(target.schema)
    let role = "\"\(appRole.replacingOccurrences(of: "\"", with: "\"\""))\""
    try await simple(
      """
      CREATE SCHEMA IF NOT EXISTS \(schema);
      CREATE TABLE IF NOT EXISTS \(schema).schema_migrations (
          version integer PRIMARY KEY,
          name text NOT NULL,
          applied_at timestamptz NOT NULL DEFAULT now()
      );
      """, on: connection)
    var done = Set<Int>()
    for try await version in try await connection.query(
      PostgresQuery(unsafeSQL: "SELECT version FROM \(schema).schema_migrations"), logger: logger
    ).decode(Int.self) {
      done.insert(version)
    }
    var applied: [Int] = []
    for migration in target.migrations where !done.contains(migration.version) {
      do {
        try await simple("BEGIN", on: connection)
        try await simple(migration.sql, on: connection)
        var binds = PostgresBindings()
        binds.append(migration.version)
        binds.append(migration.name)
        _ = try await connection.query(
          PostgresQuery(unsafeSQL: "INSERT INTO \(schema).schema_migrations (version, name) VALUES ($1, $2)", binds: binds),
          logger: logger
        ).collect()
        try await simple("COMMIT", on: connection)
      } catch {
        try? await simple("ROLLBACK", on: connection)
        throw MigrationError.failed(
          schema: target.schema, version: migration.version, name: migration.name, underlying: String(reflecting: error))
      }
      logger.info(
        "migration applied", metadata: ["schema": "\(target.schema)", "version": "\(migration.version)", "name": "\(migration.name)"])
      applied.append(migration.version)
    }
    // The app role serves but owns nothing: row-level security then applies to it.
    try await simple(
      """
      GRANT USAGE ON SCHEMA \(schema) TO \(role);
      GRANT \(target.appPrivileges) ON ALL TABLES IN SCHEMA \(schema) TO \(role);
      GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA \(schema) TO \(role);
      REVOKE ALL ON \(schema).schema_migrations FROM \(role);
      """, on: connection)
    return applied
  }

  /// Runs SQL text that may hold several statements, one after the other.
  private func simple(_ sql: String, on connection: PostgresConnection) async throws {
    for statement in SQLScript.statements(sql) {
      _ = try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger).collect()
    }
  }
}
