// social-service: social login flows, the provider catalog and linked social accounts.
// Its edge is RPC (RPC/), its rules the domain types, its SQL in Store/, its outbound HTTP in Providers/.
import ArgumentParser
import Foundation
import Shared

enum SocialBackend: BackendDescriptor {
    static let definition = BackendDefinition(
        service: .social, schema: "social",
        migrationsDirectory: Bundle.module.url(forResource: "Migrations", withExtension: nil))
}

@main
struct SocialServiceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration.backend(
        SocialBackend.self, name: "social-service", abstract: "Gatehouse social login service.")
}
