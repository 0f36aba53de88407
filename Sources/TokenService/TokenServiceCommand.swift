// token-service: users, credentials, services (tenants), sessions, tokens and signing keys.
// Its edge is RPC (RPC/), its rules the domain types, its SQL in Store/, its cleanup in Jobs/.
import ArgumentParser
import Foundation
import Shared

enum TokenBackend: BackendDescriptor {
    static var definition: BackendDefinition {
        BackendDefinition(
            service: .token,
            schema: "token",
            migrationsDirectory: Bundle.module.url(forResource: "Migrations", withExtension: nil))
    }
}

@main
struct TokenServiceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token-service",
        abstract: "Gatehouse token service: accounts, sessions and tokens.",
        subcommands: [ServeCommand<TokenBackend>.self, MigrateCommand<TokenBackend>.self],
        defaultSubcommand: ServeCommand<TokenBackend>.self)
}
