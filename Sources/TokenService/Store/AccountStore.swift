import Foundation
import Logging
import PostgresNIO
import Shared

/// `token.users` and `token.memberships`.
struct AccountStore: Sendable {
    let postgres: PostgresClient
    let logger: Logger

    /// Creates the user and their membership of `service` (role `user`), with the audit row, in
    /// one transaction. A taken username or e-mail (any case) is a 409; the unique indexes decide,
    /// so two registrations racing for one name cannot both succeed.
    func register(_ account: NewAccount, passwordHash: String, service: ServiceRecord, client: ClientInfo,
                  requestID: String?) async throws -> UserSummary {
        do {
            return try await postgres.transaction(logger: logger) { connection in
                let rows = try await connection.query("""
                    INSERT INTO token.users (username, email, password_hash, first_name, last_name, preferred_language, marketing_consent)
                    VALUES (\(account.username), \(account.email), \(passwordHash), \(account.firstName), \(account.lastName),
                            \(account.preferredLanguage), \(account.marketingConsent))
                    RETURNING id
                    """, logger: logger)
                var created: UUID?
                for try await id in rows.decode(UUID.self) { created = id }
                guard let id = created else { throw Problem.internalError() }
                _ = try await connection.query(
                    "INSERT INTO token.memberships (service_id, user_id) VALUES (\(service.id), \(id))", logger: logger).collect()
                try await AuditEvent(
                    action: "USER_REGISTERED", actorUserID: id, serviceID: service.id, requestID: requestID,
                    details: ["username": account.username, "ip": client.ip ?? ""]
                ).insert(on: connection, logger: logger)
                let fullName = UserSummary.fullName(first: account.firstName, last: account.lastName)
                return UserSummary(id: id, username: account.username, email: account.email, fullName: fullName)
            }
        } catch let error as PSQLError {
            throw Self.conflict(from: error) ?? error
        }
    }

    private static func conflict(from error: PSQLError) -> Problem? {
        guard error.serverInfo?[.sqlState] == "23505" else { return nil }
        switch error.serverInfo?[.constraintName] {
        case "users_username_unique":
            return Problem(status: 409, code: "username_taken", title: "Username taken", detail: "That username is in use.", field: "username")
        case "users_email_unique":
            return Problem(status: 409, code: "email_taken", title: "E-mail taken", detail: "That e-mail address is in use.", field: "email")
        default:
            return nil
        }
    }
}
