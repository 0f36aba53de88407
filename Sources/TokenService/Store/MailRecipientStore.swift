import Foundation
import Logging
import PostgresNIO
import Shared

/// What the mail worker reads about the account a mail is for, inside the transaction that sends it.
struct MailRecipientStore: Sendable {
  struct Recipient: Sendable {
    let userID: UUID
    let email: String
    let pendingEmail: String?
    let emailVerified: Bool
    let language: String
    /// The first name, else the username: what the greeting calls the person.
    let name: String
  }

  let logger: Logger

  /// The account with this id, locked until the mail's transaction ends.
  func recipient(id: UUID, on connection: PostgresConnection) async throws -> Recipient? {
    try await recipient(
      try await connection.query(
        "\(unescaped: Self.select) WHERE id = \(id) AND is_active FOR UPDATE", logger: logger))
  }

  /// The active account at this address (any case), locked until the mail's transaction ends.
  func recipient(email: String, on connection: PostgresConnection) async throws -> Recipient? {
    try await recipient(
      try await connection.query(
        "\(unescaped: Self.select) WHERE lower(email) = lower(\(email)) AND is_active FOR UPDATE", logger: logger))
  }

  /// The name of the service a mail speaks for; Gatehouse's own when none or deleted.
  func serviceName(_ id: UUID?, on connection: PostgresConnection) async throws -> String {
    guard let id else { return "Gatehouse" }
    for try await name in try await connection.query(
      "SELECT name FROM token.services WHERE id = \(id) AND deleted_at IS NULL", logger: logger
    ).decode(String.self) {
      return name
    }
    return "Gatehouse"
  }

  private static let select = "SELECT id, email, pending_email, email_verified, preferred_language, first_name, username FROM token.users"

  private func recipient(_ rows: PostgresRowSequence) async throws -> Recipient? {
    for try await (id, email, pending, verified, language, first, username) in rows.decode(
      (UUID, String, String?, Bool, String, String, String).self)
    {
      return Recipient(
        userID: id, email: email, pendingEmail: pending, emailVerified: verified, language: language,
        name: first.isEmpty ? username : first)
    }
    return nil
  }
}
