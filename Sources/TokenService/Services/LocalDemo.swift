import Foundation
import Logging
import Shared

/// The demo service and super admin `make run` offers (GATEHOUSE_ENV=local only). Their secrets go to
/// `DemoCredentials`, which `make run` prints. Demo data, never real.
enum LocalDemo {
  static let service = NewService(
    slug: "demo", name: "Gatehouse demo", type: "web",
    allowedOrigins: ["http://localhost:3000"], redirectURIs: ["http://localhost:3000/auth/callback"],
    socialProviders: SocialProviderNames.all)

  static func seed(_ context: BackendContext) async throws {
    guard context.config.environment == .local else { return }
    let store = ServiceStore(postgres: context.postgres, logger: context.logger)
    var text = ""
    var afresh = false
    if let created = try await store.create(service, environment: context.config.environment) {
      text += """
        demo service (local demo data only)
          slug          demo
          client_id     \(created.clientID)
          client_secret \(created.clientSecret)

        """
      context.logger.info("seeded the local demo service", metadata: ["slug": "demo", "client_id": "\(created.clientID)"])
      afresh = true
    }
    // The demo is the deployment's own app: people change their account security from it
    // (also for stores seeded before services could be first-party).
    let security = AccountSecurityStore(postgres: context.postgres, logger: context.logger)
    if let demo = try await store.find(slug: "demo"), try await !security.isFirstParty(serviceID: demo.id) {
      _ = try await security.setFirstParty(slug: "demo", true)
    }
    // Seeded on its own, so stores made before the demo had an admin get one too.
    if try await LoginStore(postgres: context.postgres, logger: context.logger).account(username: "admin", email: nil) == nil {
      let password = try await AdminCommand.CreateSuperuser.create(username: "admin", email: "admin@demo.localhost", context: context)
      text += """
        demo super admin (SUPER_ADMIN; the admin console at /admin, or the demo service)
          username      admin
          password      \(password)

        """
      context.logger.info("seeded the local demo super admin", metadata: ["username": "admin"])
    }
    try DemoCredentials.record(text, service: .token, afresh: afresh)
  }
}
