import ArgumentParser
import Foundation
import Shared

/// `idp-service admin ...`: operator commands on service providers.
struct IdPAdminCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "admin", abstract: "Administer service providers.",
    subcommands: [CreateServiceProvider.self, CIPermissionCommand.self, CallLimitCommand.self, PlanCommand.self])

  struct CreateServiceProvider: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "create-sp", abstract: "Create a service provider and print its credentials and keys (shown once).")

    @Option(help: "Display name, shown to people in their app.") var name: String
    @Option(name: .customLong("callback-url"), help: "Where results are POSTed (https; http to this machine outside production).")
    var callbackURL: String
    @Option(name: .customLong("owner"), help: "The SERVICE_ADMIN user id who manages it.") var owner: String?
    @Flag(name: .customLong("may-receive-ci"), help: "Its results carry the plain CI (otherwise the DI only; see docs/idp.md).")
    var mayReceiveCI = false

    func run() async throws {
      let created = try await withBackendContext(.idp) { context in
        let provider: NewServiceProvider
        do {
          provider = try await NewServiceProvider(
            name: name, callbackURL: callbackURL, ownerUserID: owner.flatMap(UUID.init(uuidString:)),
            mayReceiveCI: mayReceiveCI, environment: context.config.environment)
        } catch let problem as Problem {
          throw ValidationError("\(problem.field ?? "input"): \(problem.detail ?? problem.title)")
        }
        return try await ServiceProviderStore(postgres: context.postgres, keyRing: context.keyRing, logger: context.logger).create(provider)
      }
      Output.line(
        """
        sp_id          \(created.id.uuidString.lowercased())
        client_id      \(created.clientID)
        client_secret  \(created.clientSecret)
        webhook_secret \(created.webhookSecret)
        standard_webhook_secret \(StandardWebhookSecret.text(webhookSecret: created.webhookSecret))
        result_kid     \(created.resultKeyID)
        result_key     \(created.resultKey)
        """)
    }
  }
}
