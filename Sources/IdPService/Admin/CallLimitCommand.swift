import ArgumentParser
import Foundation
import Shared

/// `idp-service admin call-limit --client-id ID (--per-minute N | --default)`: how many calls a
/// minute the gateways let this service provider make, counted per client id (docs/limits.md).
/// Audited; every gateway applies it within 30 s (they cache an SP's limit that long).
struct CallLimitCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "call-limit", abstract: "Set a service provider's calls per minute, or return it to the deployment's default.")

  @Option(name: .customLong("client-id"), help: "The service provider's client id.") var clientID: String
  @Option(name: .customLong("per-minute"), help: "Calls a minute (1 or more).") var perMinute: Int?
  @Flag(name: .customLong("default"), help: "Use GATEHOUSE_RATE_LIMIT_SP, the deployment's default.") var useDefault = false

  func validate() throws {
    guard (perMinute == nil) != (!useDefault) else { throw ValidationError("Give exactly one of --per-minute and --default.") }
    if let perMinute, perMinute < 1 { throw ValidationError("--per-minute must be 1 or more.") }
  }

  func run() async throws {
    let changed = try await withBackendContext(.idp) { context in
      try await ServiceProviderStore(postgres: context.postgres, keyRing: context.keyRing, logger: context.logger)
        .setCallLimit(clientID: clientID, perMinute: perMinute)
    }
    guard changed else { throw ValidationError("No service provider has client id \(clientID).") }
    Output.line("\(clientID) calls_per_minute \(perMinute.map(String.init) ?? "default")")
  }
}
