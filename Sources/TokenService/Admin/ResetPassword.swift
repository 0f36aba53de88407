import ArgumentParser
import Foundation
import Shared

/// `token-service admin reset-password --username U`: a new generated password for an account
/// (the local demo's `admin` when its first one is lost), printed once; every session of the
/// account ends and its tokens stop working.
struct ResetPassword: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "reset-password", abstract: "Give an account a new generated password (printed once) and end its sessions.")

  @Option(help: "The account's username.") var username: String

  func run() async throws {
    let password = AdminCommand.generatedPassword()
    let reset = try await withBackendContext(.token) { context in
      let hasher = try AdminCommand.hasher()
      let store = AccountStore(postgres: context.postgres, logger: context.logger)
      guard
        let (userID, version) = try await store.resetPassword(
          usernameKey: Username.key(username), passwordHash: try await hasher.hash(password))
      else { return false }
      try await RevocationPublisher(events: context.events).raise(userID: userID.uuidString.lowercased(), to: version)
      return true
    }
    guard reset else { throw ValidationError("no account has the username \(username)") }
    Output.line("username \(username)\npassword \(password)")
  }
}
