// social-service: social login flows, the provider catalog and linked social accounts.
// Its edge is RPC (RPC/), its rules the flow (Flow/), its SQL in Store/, the provider catalog and
// everything said to providers in Providers/.
import ArgumentParser
import Foundation
import Shared

enum SocialBackend: BackendDescriptor {
  static let definition = BackendDefinition(
    service: .social, schema: "social",
    migrationsDirectory: Bundle.module.url(forResource: "Migrations", withExtension: nil),
    registerMethods: { router, context in try SocialMethodHandlers.register(&router, context) })
}

@main
struct SocialServiceCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration.backend(
    SocialBackend.self, name: "social-service", abstract: "Gatehouse social login service.")
}
