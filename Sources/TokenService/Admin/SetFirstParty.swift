import ArgumentParser
import Foundation
import Shared

extension AdminCommand {
  /// `token-service admin set-first-party --slug S [--off]`: only the operator says which
  /// services are the deployment's own apps, whose tokens may change account security
  /// (linking social accounts; docs/security.md).
  struct SetFirstParty: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "set-first-party", abstract: "Mark a service as first-party (or not, with --off).")

    @Option(help: "The service's slug.") var slug: String
    @Flag(help: "Mark it third-party again.") var off = false

    func run() async throws {
      let changed = try await withBackendContext(.token) { context in
        try await AccountSecurityStore(postgres: context.postgres, logger: context.logger).setFirstParty(slug: slug, !off)
      }
      guard changed else { throw ValidationError("no service with slug \(slug)") }
      Output.line("\(slug) is \(off ? "third-party" : "first-party")")
    }
  }
}
