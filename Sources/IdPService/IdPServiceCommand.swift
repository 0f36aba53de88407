// idp-service: service providers, identity profiles, verification transactions and callbacks.
// Its edge is RPC (RPC/), its rules the domain types and actors, its SQL in Store/, its workers in Jobs/.
import ArgumentParser
import Foundation
import Shared

enum IdPBackend: BackendDescriptor {
    static let definition = BackendDefinition(
        service: .idp, schema: "idp",
        migrationsDirectory: Bundle.module.url(forResource: "Migrations", withExtension: nil))
}

@main
struct IdPServiceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration.backend(
        IdPBackend.self, name: "idp-service", abstract: "Gatehouse identity verification service.")
}
