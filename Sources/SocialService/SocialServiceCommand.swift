// social-service: social login flows, the provider catalog and linked social accounts.
// Its edge is RPC (RPC/), its rules the domain types, its SQL in Store/, its cleanup in Jobs/.
import ArgumentParser
import Foundation
import Shared

enum SocialBackend: BackendDescriptor {
    static var definition: BackendDefinition {
        BackendDefinition(
            service: .social,
            schema: "social",
            migrationsDirectory: Bundle.module.url(forResource: "Migrations", withExtension: nil))
    }
}

@main
struct SocialServiceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "social-service",
        abstract: "Gatehouse social login service.",
        subcommands: [ServeCommand<SocialBackend>.self, MigrateCommand<SocialBackend>.self],
        defaultSubcommand: ServeCommand<SocialBackend>.self)
}
