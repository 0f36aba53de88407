import ArgumentParser
import Foundation
import Shared

/// `idp-service admin ci-permission --client-id ID --allow|--deny`: whether an SP's results carry
/// the plain CI, which is the same for a person at every SP and so joins their records across
/// SPs. Only the operator decides, never an SP's owner through the API (docs/idp.md, "CI"); the
/// change is audited and applies from the next decision (it is read with each one, never cached).
struct CIPermissionCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ci-permission", abstract: "Allow or deny a service provider the plain CI in its results.")

  @Option(name: .customLong("client-id"), help: "The service provider's client id.") var clientID: String
  @Flag(exclusivity: .exclusive, help: "Allow (the future CIBA kr_identity scope) or deny the plain CI.") var permission: Permission

  enum Permission: EnumerableFlag {
    case allow, deny
  }

  func run() async throws {
    let changed = try await withBackendContext(.idp) { context in
      try await ServiceProviderStore(postgres: context.postgres, keyRing: context.keyRing, logger: context.logger)
        .setCIPermission(clientID: clientID, allowed: permission == .allow)
    }
    guard changed else { throw ValidationError("No service provider has client id \(clientID).") }
    Output.line("\(clientID) may_receive_ci \(permission == .allow)")
  }
}
