// idp-service: service providers, identity profiles, verification transactions and callbacks.
// Its edge is RPC (RPC/), its rules the domain types, its SQL in Store/, its cleanup in Jobs/.
import ArgumentParser
import Foundation
import Shared

enum IdPBackend: BackendDescriptor {
    static var definition: BackendDefinition {
        BackendDefinition(
            service: .idp,
            schema: "idp",
            migrationsDirectory: Bundle.module.url(forResource: "Migrations", withExtension: nil))
    }
}

@main
struct IdPServiceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "idp-service",
        abstract: "Gatehouse identity verification service.",
        subcommands: [ServeCommand<IdPBackend>.self, MigrateCommand<IdPBackend>.self],
        defaultSubcommand: ServeCommand<IdPBackend>.self)
}
