import Configuration
import Foundation
import Testing

@testable import Shared

@Suite(.timeLimit(.minutes(2))) struct ConfigTests {
  func config(_ environment: [String: String]) throws(ConfigurationError) -> GatehouseConfig {
    try GatehouseConfig(settings: Settings(reader: ConfigReader(provider: EnvironmentVariablesProvider(environmentVariables: environment))))
  }

  @Test func defaultsAreTheLocalPortsAndProduction() throws {
    let config = try config([:])
    #expect(config.environment == .production)
    #expect(config.database.port == 5433 && config.redis.port == 6380 && config.httpPort == 8080)
    #expect(config.autoMigrate == false)
    #expect(config.rpcTimeout == .seconds(5))
  }

  @Test func localEnvironmentMigratesOnServeUnlessToldNot() throws {
    #expect(try config(["GATEHOUSE_ENV": "local"]).autoMigrate)
    #expect(try config(["GATEHOUSE_ENV": "local", "GATEHOUSE_AUTO_MIGRATE": "0"]).autoMigrate == false)
  }

  @Test(arguments: [
    ("GATEHOUSE_PG_PORT", "abc"), ("GATEHOUSE_REDIS_PORT", "70000"), ("GATEHOUSE_AUTO_MIGRATE", "maybe"),
    ("GATEHOUSE_ENV", "staging"), ("GATEHOUSE_LOG_LEVEL", "loud"), ("GATEHOUSE_RPC_TIMEOUT_MS", "-5"),
    ("GATEHOUSE_INSTANCE_ID", "has space"), ("GATEHOUSE_PG_TLS", "maybe"), ("GATEHOUSE_PG_STATEMENT_TIMEOUT_MS", "5"),
  ])
  func aMalformedValueIsAnErrorNamingIt(name: String, value: String) {
    do {
      _ = try config([name: value])
      Issue.record("\(name)=\(value) was accepted")
    } catch {
      #expect(error.name == name)
      #expect(error.description.contains(name))
    }
  }

  /// PostgreSQL's TLS, timeouts and migrations' host (docs/plumbing.md); a CA file that cannot be
  /// read is said at start, naming the setting.
  @Test func postgresTLSTimeoutsAndTheMigrationsHost() throws {
    let given = try config([
      "GATEHOUSE_PG_TLS": "require", "GATEHOUSE_PG_STATEMENT_TIMEOUT_MS": "30000", "GATEHOUSE_PG_MIGRATION_HOST": "db-direct",
      "GATEHOUSE_PG_MIGRATION_PORT": "5432",
    ])
    #expect(given.database.tls == .require && given.database.statementTimeout == .seconds(30) && given.database.lockTimeout == nil)
    #expect(given.ownerDatabase.host == "db-direct" && given.ownerDatabase.port == 5432 && given.database.host == "127.0.0.1")
    #expect(try config([:]).database.tls == .disable && config([:]).ownerDatabase.port == 5433)
    #expect(throws: ConfigurationError.self) {
      try config(["GATEHOUSE_PG_TLS": "verify-full", "GATEHOUSE_PG_CA_FILE": "/nonexistent/ca.pem"])
    }
  }

  @Test func secretsAreReadFromFilesWithoutTheTrailingNewline() throws {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("gh-secret-\(UUID().uuidString)")
    try "s3cret\n".write(to: file, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: file) }
    let config = try config(["GATEHOUSE_PG_PASSWORD_FILE": file.path, "GATEHOUSE_REDIS_PASSWORD": "direct"])
    #expect(config.database.password == "s3cret")
    #expect(config.redis.password == "direct")
  }

  @Test func anUnreadableSecretFileIsAnError() {
    #expect(throws: ConfigurationError.self) {
      _ = try config(["GATEHOUSE_PG_OWNER_PASSWORD_FILE": "/nonexistent/secret"])
    }
  }
}
