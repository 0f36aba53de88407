import ArgumentParser
import Foundation
import Shared

/// `token-service admin ...`: operator commands on accounts and services.
struct AdminCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "admin", abstract: "Administer services and accounts.",
    subcommands: [
      CreateService.self, SetFirstParty.self, CreateSuperuser.self, SetPlatformRole.self, ResetPassword.self, VerifyAuditCommand.self,
    ])

  struct CreateService: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "create-service", abstract: "Create a service and print its client credentials (shown once).")

    @Option(help: "URL-safe name: lowercase letters, digits and '-'.") var slug: String
    @Option(help: "Display name.") var name: String
    @Option(help: "web, mobile, desktop, api or admin.") var type = "web"
    @Option(name: .customLong("origin"), help: "An allowed origin (repeat for more).") var origins: [String] = []
    @Option(name: .customLong("redirect-uri"), help: "A registered redirect URI (repeat for more).") var redirectURIs: [String] = []
    @Option(name: .customLong("social-provider"), help: "An enabled social provider (repeat for more).") var socialProviders: [String] = []
    @Flag(help: "One of the deployment's own apps, as set-first-party marks it.") var firstParty = false

    func run() async throws {
      let service = NewService(
        slug: slug, name: name, type: type, allowedOrigins: origins,
        redirectURIs: redirectURIs, socialProviders: socialProviders)
      let created = try await withBackendContext(.token) { context in
        // Which redirect URIs are allowed depends on the environment (loopback http only outside production).
        do {
          try service.validate(environment: context.config.environment)
        } catch let problem as Problem {
          throw ValidationError("\(problem.field ?? "input"): \(problem.detail ?? problem.title)")
        }
        let created = try await ServiceStore(postgres: context.postgres, logger: context.logger)
          .create(service, environment: context.config.environment)
        if created != nil, firstParty {
          _ = try await AccountSecurityStore(postgres: context.postgres, logger: context.logger).setFirstParty(slug: slug, true)
        }
        if created != nil { _ = try? await context.events.publish(Topics.config, ConfigChanged(service: service.slug)) }
        return created
      }
      guard let created else { throw ValidationError("a service with slug \(slug) exists already") }
      Output.line(
        "service_id    \(created.id.uuidString.lowercased())\nclient_id     \(created.clientID)\nclient_secret \(created.clientSecret)")
    }
  }

  struct CreateSuperuser: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "create-superuser", abstract: "Create a SUPER_ADMIN and print its generated password (shown once).")

    @Option(help: "Username (3 to 150 letters, digits, '.', '_', '-').") var username: String
    @Option(help: "E-mail address.") var email: String

    func run() async throws {
      let password = try await CreateSuperuser.create(username: username, email: email)
      Output.line("username \(username)\npassword \(password)")
    }

    /// Creates the user; returns the password. Shared with the local demo.
    static func create(username: String, email: String, context: BackendContext? = nil) async throws -> String {
      let password = AdminCommand.generatedPassword()
      let account: NewAccount
      do {
        account = try NewAccount(RegisterBody(service: "-", username: username, email: email, password: password))
      } catch {
        throw ValidationError("\(error.field ?? "input"): \(error.detail ?? error.title)")
      }
      let work: @Sendable (BackendContext) async throws -> Void = { context in
        let hasher = try AdminCommand.hasher()
        _ = try await AccountStore(postgres: context.postgres, logger: context.logger).createPlatformUser(
          username: account.username, email: account.email, passwordHash: try await hasher.hash(password), role: .superAdmin)
      }
      if let context { try await work(context) } else { try await withBackendContext(.token, work) }
      return password
    }
  }

  struct SetPlatformRole: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "set-platform-role", abstract: "Give a user a platform role: SUPER_ADMIN, SERVICE_ADMIN, AUDITOR or USER.")

    @Option(help: "The user's username.") var username: String
    @Option(help: "SUPER_ADMIN, SERVICE_ADMIN, AUDITOR or USER.") var role: String

    func run() async throws {
      guard let platformRole = PlatformRole(rawValue: role) else {
        throw ValidationError("role is one of \(PlatformRole.allCases.map(\.rawValue).joined(separator: ", "))")
      }
      let changed = try await withBackendContext(.token) { context in
        guard
          let (id, version) = try await AccountStore(postgres: context.postgres, logger: context.logger)
            .setPlatformRole(username: username, role: platformRole)
        else { return false }
        try await RevocationPublisher(events: context.events).raise(userID: id.uuidString.lowercased(), to: version)
        return true
      }
      guard changed else { throw ValidationError("no user named \(username)") }
      Output.line("\(username) is \(platformRole.rawValue)")
    }
  }
}

extension AdminCommand {
  /// A password an operator's command makes for an account (120 random bits), printed once.
  static func generatedPassword() -> String { Base64URL.encode(SecureRandom.bytes(15)) }

  /// The password hasher, from the settings the server reads.
  static func hasher() throws -> PasswordHasher {
    try readSetting(service: .token) { () throws(ConfigurationError) in try PasswordHasher.fromSettings(.fromEnvironment()) }
  }
}
