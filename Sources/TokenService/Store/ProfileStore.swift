import Foundation
import Logging
import PostgresNIO
import Shared

/// Reading a user's own account.
struct ProfileStore: Sendable {
    let postgres: PostgresClient
    let logger: Logger

    func profile(userID: UUID, serviceSlug: String) async throws -> Profile? {
        let rows = try await postgres.query("""
            SELECT u.id, u.username, u.email, u.first_name, u.last_name, u.preferred_language, u.marketing_consent,
                   u.email_verified, u.created_at, s.id, s.slug, s.name, m.role
            FROM token.users u
            JOIN token.services s ON s.slug = \(serviceSlug)
            LEFT JOIN token.memberships m ON m.user_id = u.id AND m.service_id = s.id
            WHERE u.id = \(userID) AND u.is_active
            """, logger: logger)
        for try await row in rows {
            let c = row.makeRandomAccess()
            return Profile(
                id: try c[0].decode(UUID.self).uuidString.lowercased(), username: try c[1].decode(String.self),
                email: try c[2].decode(String.self), firstName: try c[3].decode(String.self), lastName: try c[4].decode(String.self),
                preferredLanguage: try c[5].decode(String.self), marketingConsent: try c[6].decode(Bool.self),
                emailVerified: try c[7].decode(Bool.self), createdAt: try c[8].decode(Date.self),
                service: ServiceSummary(id: try c[9].decode(UUID.self), slug: try c[10].decode(String.self),
                                        name: try c[11].decode(String.self), role: try c[12].decode(String?.self)))
        }
        return nil
    }
}
