import ArgumentParser
import Foundation
import Shared

/// `idp-service admin plan --client-id ID --plan free|pro|studio|enterprise`: how many
/// verification requests an SP may open each month (docs/admin.md, "Plans and quotas"). The
/// operator's decision, audited.
struct PlanCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "plan", abstract: "Set a service provider's plan.")

  @Option(name: .customLong("client-id"), help: "The service provider's client id.") var clientID: String
  @Option(help: "free, pro, studio or enterprise.") var plan: String

  func run() async throws {
    guard let chosen = ServicePlan(rawValue: plan) else { throw ValidationError("--plan is free, pro, studio or enterprise.") }
    let changed = try await withBackendContext(.idp) { context in
      try await ServiceProviderStore(postgres: context.postgres, keyRing: context.keyRing, logger: context.logger)
        .setPlan(clientID: clientID, chosen)
    }
    guard changed else { throw ValidationError("No service provider has client id \(clientID).") }
    Output.line("\(clientID) plan \(chosen.rawValue)")
  }
}
