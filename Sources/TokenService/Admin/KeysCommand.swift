// Admin/: token-service's operator commands.
import ArgumentParser
import Foundation
import Logging
import Shared

/// `token-service keys rotate` and `token-service keys list`.
struct KeysCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "keys", abstract: "Manage access-token signing keys.",
    subcommands: [Rotate.self, List.self])

  struct Rotate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Retire the current key, promote the published next key, publish a new next key.")

    func run() async throws {
      let rotation = try await withBackendContext(.token) { context in
        let rotation = try await SigningKeyStore(postgres: context.postgres, keyRing: context.keyRing, logger: context.logger).rotate()
        // Gateways reload their JWKS now rather than at their next refresh.
        _ = try? await context.events.publish(Topics.keys, KeysChanged(currentKid: rotation.current))
        return rotation
      }
      Output.line("current \(rotation.current)\nnext    \(rotation.next)\nretired \(rotation.retired ?? "-")")
    }
  }

  struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the published key ids, current first.")

    func run() async throws {
      let set = try await withBackendContext(.token) { context in
        try await SigningKeyStore(postgres: context.postgres, keyRing: context.keyRing, logger: context.logger).published()
      }
      Output.line(set.keys.map(\.kid).joined(separator: "\n"))
    }
  }
}
