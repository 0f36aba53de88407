import ArgumentParser
import Foundation
import Shared

/// `token-service admin ...`: operator commands on accounts and services.
struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin", abstract: "Administer services and accounts.",
        subcommands: [CreateService.self])

    struct CreateService: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create-service", abstract: "Create a service and print its client credentials (shown once).")

        @Option(help: "URL-safe name: lowercase letters, digits and '-'.") var slug: String
        @Option(help: "Display name.") var name: String
        @Option(help: "web, mobile, desktop, api or admin.") var type = "web"
        @Option(name: .customLong("origin"), help: "An allowed origin (repeat for more).") var origins: [String] = []
        @Option(name: .customLong("redirect-uri"), help: "A registered redirect URI (repeat for more).") var redirectURIs: [String] = []
        @Option(name: .customLong("social-provider"), help: "An enabled social provider (repeat for more).") var socialProviders: [String] = []

        func run() async throws {
            let service = NewService(slug: slug, name: name, type: type, allowedOrigins: origins,
                                     redirectURIs: redirectURIs, socialProviders: socialProviders)
            do {
                try service.validate()
            } catch {
                throw ValidationError("\(error.field ?? "input"): \(error.detail ?? error.title)")
            }
            let created = try await withBackendContext(.token) { context in
                let created = try await ServiceStore(postgres: context.postgres, logger: context.logger).create(service)
                if created != nil { _ = try? await context.events.publish(Topics.config, ConfigChanged(service: service.slug)) }
                return created
            }
            guard let created else { throw ValidationError("a service with slug \(slug) exists already") }
            Output.line("service_id    \(created.id.uuidString.lowercased())\nclient_id     \(created.clientID)\nclient_secret \(created.clientSecret)")
        }
    }
}
