// Store/: all of idp-service's SQL.
import Foundation
import Logging
import PostgresNIO
import Shared

/// `idp.service_providers` and `idp.result_keys`.
struct ServiceProviderStore: Sendable {
    let postgres: PostgresClient
    let keyRing: MasterKeyRing
    let logger: Logger

    /// Creates the SP with its client secret, webhook secret and first result key, and the audit
    /// row, in one transaction. The secrets come back once.
    func create(_ provider: NewServiceProvider, requestID: String? = nil) async throws -> ServiceProviderSecrets {
        let id = UUID()
        let clientID = "sp_" + SecureRandom.hex(bytes: 12)
        let clientSecret = Base64URL.encode(SecureRandom.bytes(32))
        let webhookSecret = SecureRandom.bytes(32)
        let resultKey = SecureRandom.bytes(32)
        let kid = "\(clientID).v1"
        let sealedWebhook = try keyRing.seal(webhookSecret, purpose: "idp.webhook_secret", context: id.uuidString.lowercased())
        let sealedKey = try keyRing.seal(resultKey, purpose: "idp.result_key", context: kid)
        try await postgres.transaction(logger: logger) { connection in
            _ = try await connection.query("""
                INSERT INTO idp.service_providers (id, name, client_id, client_secret_hash, callback_url, webhook_secret,
                                                   webhook_key_version, owner_user_id)
                VALUES (\(id), \(provider.name), \(clientID), \(ByteBuffer(bytes: ClientSecret.hash(clientSecret))), \(provider.callbackURL),
                        \(ByteBuffer(bytes: sealedWebhook.sealed)), \(sealedWebhook.keyVersion), \(provider.ownerUserID))
                """, logger: logger).collect()
            _ = try await connection.query("""
                INSERT INTO idp.result_keys (sp_id, version, kid, key_sealed, master_key_version)
                VALUES (\(id), 1, \(kid), \(ByteBuffer(bytes: sealedKey.sealed)), \(sealedKey.keyVersion))
                """, logger: logger).collect()
            try await AuditEvent(action: "SERVICE_PROVIDER_CREATED", clientID: clientID, requestID: requestID,
                                 details: ["sp_id": id.uuidString.lowercased(), "name": provider.name]).insert(on: connection, logger: logger)
        }
        return ServiceProviderSecrets(id: id, clientID: clientID, clientSecret: clientSecret, webhookSecret: Base64URL.encode(webhookSecret),
                                      resultKeyID: kid, resultKey: Base64URL.encode(resultKey))
    }

    /// The SP whose client credentials these are, if they are right and it is active.
    func authenticate(_ credentials: ClientCredentials) async throws -> ServiceProvider {
        guard let secret = credentials.clientSecret else { throw Problem.invalidClient }
        let rows = try await postgres.query("""
            SELECT id, name, client_id, callback_url, is_active, client_secret_hash
            FROM idp.service_providers WHERE client_id = \(credentials.clientID)
            """, logger: logger)
        for try await (id, name, clientID, callback, active, hash) in rows.decode((UUID, String, String, String, Bool, ByteBuffer).self) {
            guard active, ClientSecret.matches(secret, Array(hash.readableBytesView)) else { throw Problem.invalidClient }
            return ServiceProvider(id: id, name: name, clientID: clientID, callbackURL: callback, isActive: active)
        }
        throw Problem.invalidClient
    }

    /// The SP's current result key (for the JWE), on the caller's connection.
    func resultKey(spID: UUID, on connection: PostgresConnection) async throws -> (kid: String, key: [UInt8]) {
        let rows = try await connection.query("""
            SELECT kid, key_sealed, master_key_version FROM idp.result_keys WHERE sp_id = \(spID) AND retired_at IS NULL
            """, logger: logger)
        for try await (kid, sealed, version) in rows.decode((String, ByteBuffer, Int).self) {
            return (kid, try keyRing.open(EncryptedValue(keyVersion: version, sealed: Array(sealed.readableBytesView)),
                                          purpose: "idp.result_key", context: kid))
        }
        throw Problem.internalError()
    }

    /// Where and how to deliver an SP's callbacks.
    func callbackTarget(spID: UUID) async throws -> (url: String, secret: [UInt8])? {
        let rows = try await postgres.query("""
            SELECT callback_url, webhook_secret, webhook_key_version FROM idp.service_providers WHERE id = \(spID)
            """, logger: logger)
        for try await (url, sealed, version) in rows.decode((String, ByteBuffer, Int).self) {
            return (url, try keyRing.open(EncryptedValue(keyVersion: version, sealed: Array(sealed.readableBytesView)),
                                          purpose: "idp.webhook_secret", context: spID.uuidString.lowercased()))
        }
        return nil
    }
}
