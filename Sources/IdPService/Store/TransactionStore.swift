import Crypto
import Foundation
import Logging
import PostgresNIO
import Shared

/// `idp.transactions`, their notifications and the callback delivery each decision leaves.
struct TransactionStore: Sendable {
    let postgres: PostgresClient
    let providers: ServiceProviderStore
    let profiles: IdentityProfileStore
    let vault: IdentityVault
    let pins: PinVerifier
    /// How long a delivery waits for its first worker before the sweeper hands it out again.
    let deliveryLease: Duration
    let logger: Logger

    /// A new PENDING transaction, its notification and audit row, in one transaction; refused
    /// when the person already has `maxPending` undecided requests (checked under a per-person
    /// advisory lock, so concurrent requests cannot all slip under the limit).
    func create(sp: ServiceProvider, userID: UUID, purpose: String, lifetime: Duration, maxPending: Int,
                requestID: String?) async throws -> (VerificationStatus, InboxItem) {
        try await postgres.transaction(logger: logger) { connection in
            _ = try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(userID.uuidString)))", logger: logger).collect()
            let pending = try await connection.query("""
                SELECT count(*)::int FROM idp.transactions WHERE user_id = \(userID) AND status = 'PENDING' AND expires_at > now()
                """, logger: logger).collect()
            guard try pending.first?.decode(Int.self) ?? 0 < maxPending else {
                throw Problem(status: 429, code: "too_many_pending", title: "Too many pending requests",
                              detail: "This person already has \(maxPending) requests waiting for a decision.")
            }
            var created: (UUID, Date, Date)?
            for try await row in try await connection.query("""
                INSERT INTO idp.transactions (sp_id, user_id, purpose, expires_at)
                VALUES (\(sp.id), \(userID), \(purpose), now() + make_interval(secs => \(Double(lifetime.components.seconds))))
                RETURNING id, created_at, expires_at
                """, logger: logger).decode((UUID, Date, Date).self) {
                created = row
            }
            guard let (id, createdAt, expiresAt) = created else { throw Problem.internalError() }
            _ = try await connection.query(
                "INSERT INTO idp.notifications (transaction_id, user_id) VALUES (\(id), \(userID))", logger: logger).collect()
            try await AuditEvent(action: "AUTH_REQUEST", actorUserID: userID, clientID: sp.clientID, requestID: requestID,
                                 details: ["transaction_id": id.uuidString.lowercased(), "sp": sp.name]).insert(on: connection, logger: logger)
            let idText = id.uuidString.lowercased()
            return (VerificationStatus(transactionID: idText, status: .pending, createdAt: createdAt, expiresAt: expiresAt, completedAt: nil),
                    InboxItem(transactionID: idText, serviceProvider: sp.name, purpose: purpose, createdAt: createdAt, expiresAt: expiresAt))
        }
    }

    /// A transaction as the SP that asked for it sees it; nil for any other SP.
    func status(id: UUID, spID: UUID) async throws -> VerificationStatus? {
        let rows = try await postgres.query("""
            SELECT status, created_at, expires_at, completed_at FROM idp.transactions WHERE id = \(id) AND sp_id = \(spID)
            """, logger: logger)
        for try await (status, created, expires, completed) in rows.decode((String, Date, Date, Date?).self) {
            return VerificationStatus(transactionID: id.uuidString.lowercased(), status: VerificationStatusName(rawValue: status) ?? .pending,
                                      createdAt: created, expiresAt: expires, completedAt: completed)
        }
        return nil
    }

    /// The JWE of a COMPLETED transaction, for the SP that asked, against its auth_code; each
    /// read is a CI/DI access and audited as one.
    func result(id: UUID, sp: ServiceProvider, authCode: String, requestID: String?) async throws -> VerificationResult {
        try await postgres.transaction(logger: logger) { connection in
            let rows = try await connection.query("""
                SELECT status, auth_code_hash, result_jwe, user_id FROM idp.transactions WHERE id = \(id) AND sp_id = \(sp.id)
                """, logger: logger)
            var found: (String, ByteBuffer?, String?, UUID)?
            for try await row in rows.decode((String, ByteBuffer?, String?, UUID).self) { found = row }
            guard let (status, hash, jwe, userID) = found else { throw Self.notFound }
            guard status == "COMPLETED", let hash, let jwe else {
                throw Problem(status: 409, code: "not_completed", title: "Not completed", detail: "The transaction is \(status).")
            }
            guard ClientSecret.matches(authCode, Array(hash.readableBytesView)) else {
                throw Problem(status: 403, code: "invalid_auth_code", title: "Invalid auth code",
                              detail: "auth_code is not this transaction's.", field: "auth_code")
            }
            try await AuditEvent(action: "CI_DI_ACCESS", actorUserID: userID, clientID: sp.clientID, requestID: requestID,
                                 details: ["transaction_id": id.uuidString.lowercased(), "via": "result"]).insert(on: connection, logger: logger)
            return VerificationResult(transactionID: id.uuidString.lowercased(), status: .completed, result: jwe)
        }
    }

    func inbox(userID: UUID) async throws -> [InboxItem] {
        let rows = try await postgres.query("""
            SELECT t.id, sp.name, t.purpose, t.created_at, t.expires_at
            FROM idp.transactions t JOIN idp.service_providers sp ON sp.id = t.sp_id
            WHERE t.user_id = \(userID) AND t.status = 'PENDING' AND t.expires_at > now()
            ORDER BY t.created_at DESC LIMIT 50
            """, logger: logger)
        var items: [InboxItem] = []
        for try await (id, name, purpose, created, expires) in rows.decode((UUID, String, String, Date, Date).self) {
            items.append(InboxItem(transactionID: id.uuidString.lowercased(), serviceProvider: name, purpose: purpose,
                                   createdAt: created, expiresAt: expires))
        }
        return items
    }

    static let notFound = Problem.notFound("No such transaction.", code: "transaction_not_found")

    /// What a decision did. Refusals that change state (expired, wrong PIN) are outcomes, not
    /// errors, so that their change commits before the refusal is answered.
    enum Decision: Sendable {
        case completed(Delivery)
        case rejected(Delivery)
        case wrongPin(Delivery, lockedUntil: Date?)
        case expired(Delivery)
        case alreadyDecided(VerificationStatusName)
        case pinLocked(until: Date)
    }

    /// The callback a decision left for the worker.
    struct Delivery: Sendable {
        let id: UUID
        let transactionID: UUID
        let status: VerificationStatusName
    }

    /// Confirms (with `pin`) or rejects (`pin` nil) the person's own PENDING transaction, in one
    /// SQL transaction with the row locked: the status, the auth_code, the audit rows and the
    /// callback delivery commit together, and of any number of concurrent decisions on any
    /// number of instances exactly one finds the row PENDING.
    func decide(id: UUID, userID: UUID, pin: String?, requestID: String?) async throws -> Decision {
        try await postgres.transaction(logger: logger) { connection in
            let rows = try await connection.query("""
                SELECT t.sp_id, t.status, t.expires_at <= now(), p.pin_verifier,
                       CASE WHEN p.pin_locked_until > now() THEN p.pin_locked_until END, p.ci_sealed, p.ci_key_version, sp.client_id
                FROM idp.transactions t
                JOIN idp.identity_profiles p ON p.user_id = t.user_id
                JOIN idp.service_providers sp ON sp.id = t.sp_id
                WHERE t.id = \(id) AND t.user_id = \(userID)
                FOR UPDATE OF t
                """, logger: logger)
            var found: (UUID, String, Bool, ByteBuffer, Date?, ByteBuffer, Int, String)?
            for try await row in rows.decode((UUID, String, Bool, ByteBuffer, Date?, ByteBuffer, Int, String).self) { found = row }
            guard let (spID, status, expired, verifier, lockedUntil, ciSealed, ciVersion, clientID) = found else { throw Self.notFound }
            guard status == "PENDING" else { return .alreadyDecided(VerificationStatusName(rawValue: status) ?? .failed) }
            func audit(_ action: String, _ details: [String: String] = [:]) async throws {
                try await AuditEvent(action: action, actorUserID: userID, clientID: clientID, requestID: requestID,
                                     details: details.merging(["transaction_id": id.uuidString.lowercased()]) { a, _ in a })
                    .insert(on: connection, logger: logger)
            }
            if expired {
                try await audit("AUTH_EXPIRED")
                return .expired(try await finish(id, spID: spID, status: .expired, reason: "expired", on: connection))
            }
            guard let pin else {
                try await audit("AUTH_FAILED", ["reason": "rejected"])
                return .rejected(try await finish(id, spID: spID, status: .failed, reason: "rejected", on: connection))
            }
            if let lockedUntil { return .pinLocked(until: lockedUntil) }
            guard pins.matches(pin, userID: userID, verifier: Array(verifier.readableBytesView)) else {
                let locked = try await profiles.recordWrongPin(userID: userID, on: connection)
                try await audit("AUTH_FAILED", ["reason": "invalid_pin"])
                return .wrongPin(try await finish(id, spID: spID, status: .failed, reason: "invalid_pin", on: connection), lockedUntil: locked)
            }
            // The person approved: the SP's result, sealed for it alone.
            let ci = try vault.openCI(EncryptedValue(keyVersion: ciVersion, sealed: Array(ciSealed.readableBytesView)), userID: userID)
            let authCode = Base64URL.encode(SecureRandom.bytes(32))
            let completedAt = Date()
            let payload = ResultPayload(transactionID: id.uuidString.lowercased(), authCode: authCode, ci: ci,
                                        di: IdentityVault.di(ci: ci, spID: spID), completedAt: completedAt)
            let (kid, key) = try await providers.resultKey(spID: spID, on: connection)
            let jwe = try ResultJWE.seal(Array(try JSON.encode(payload).readableBytesView), key: key, kid: kid)
            _ = try await connection.query("""
                UPDATE idp.identity_profiles SET pin_failures = 0, pin_first_failed_at = NULL WHERE user_id = \(userID)
                """, logger: logger).collect()
            try await audit("AUTH_COMPLETED")
            try await audit("CI_DI_ACCESS", ["via": "completion"])
            return .completed(try await finish(id, spID: spID, status: .completed, reason: nil, completedAt: completedAt,
                                               authCodeHash: ClientSecret.hash(authCode), jwe: jwe, on: connection))
        }
    }

    /// Expires what is past its time, a batch at a time, each with its audit row and callback.
    /// Concurrent sweepers skip each other's rows.
    func expireDue(limit: Int = 200) async throws -> [Delivery] {
        try await postgres.transaction(logger: logger) { connection in
            let rows = try await connection.query("""
                SELECT id, sp_id, user_id FROM idp.transactions
                WHERE status = 'PENDING' AND expires_at <= now() ORDER BY expires_at LIMIT \(limit) FOR UPDATE SKIP LOCKED
                """, logger: logger)
            var due: [(UUID, UUID, UUID)] = []
            for try await row in rows.decode((UUID, UUID, UUID).self) { due.append(row) }
            var deliveries: [Delivery] = []
            for (id, spID, userID) in due {
                try await AuditEvent(action: "AUTH_EXPIRED", actorUserID: userID, details: ["transaction_id": id.uuidString.lowercased()])
                    .insert(on: connection, logger: logger)
                deliveries.append(try await finish(id, spID: spID, status: .expired, reason: "expired", on: connection))
            }
            return deliveries
        }
    }

    /// Sets the final status and writes the callback for the SP: `{transaction_id, status,
    /// result}` when completed (the JWE), `{transaction_id, status, failure_reason}` otherwise.
    private func finish(_ id: UUID, spID: UUID, status: VerificationStatusName, reason: String?, completedAt: Date = Date(),
                        authCodeHash: [UInt8]? = nil, jwe: String? = nil, on connection: PostgresConnection) async throws -> Delivery {
        _ = try await connection.query("""
            UPDATE idp.transactions SET status = \(status.rawValue), completed_at = \(completedAt), failure_reason = \(reason),
                   auth_code_hash = \(authCodeHash.map { ByteBuffer(bytes: $0) }), result_jwe = \(jwe)
            WHERE id = \(id)
            """, logger: logger).collect()
        let body = String(buffer: try JSON.encode(CallbackBody(
            transactionID: id.uuidString.lowercased(), status: status, result: jwe, failureReason: reason)))
        var deliveryID: UUID?
        for try await delivery in try await connection.query("""
            INSERT INTO idp.callback_deliveries (transaction_id, sp_id, body, next_attempt_at)
            VALUES (\(id), \(spID), \(body), now() + make_interval(secs => \(deliveryLease.seconds)))
            RETURNING id
            """, logger: logger).decode(UUID.self) {
            deliveryID = delivery
        }
        guard let deliveryID else { throw Problem.internalError() }
        return Delivery(id: deliveryID, transactionID: id, status: status)
    }
}

/// The plaintext of the SP's result JWE.
struct ResultPayload: Encodable {
    let transactionID: String
    let authCode: String
    let ci: String
    let di: String
    let completedAt: Date

    enum CodingKeys: String, CodingKey {
        case transactionID = "transaction_id"
        case authCode = "auth_code"
        case ci, di
        case completedAt = "completed_at"
    }
}

/// The body of an SP callback.
struct CallbackBody: Encodable {
    let transactionID: String
    let status: VerificationStatusName
    let result: String?
    let failureReason: String?

    enum CodingKeys: String, CodingKey {
        case transactionID = "transaction_id"
        case status, result
        case failureReason = "failure_reason"
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

extension TransactionStore {
    /// A page of the person's requests, newest first. The cursor is the last row's creation
    /// time in microseconds and its id, so rows created in the same instant are neither skipped
    /// nor repeated.
    func history(userID: UUID, limit: Int, cursor: String?) async throws -> History {
        var after: (micros: Int64, id: UUID)?
        if let cursor {
            let parts = cursor.split(separator: "_")
            guard parts.count == 2, let micros = Int64(parts[0]), let id = UUID(uuidString: String(parts[1])) else {
                throw Problem.unprocessable("cursor is not one this API gave out.", field: "cursor")
            }
            after = (micros, id)
        }
        let rows = try await postgres.query("""
            SELECT t.id, sp.name, t.purpose, t.status, t.created_at, t.completed_at,
                   (EXTRACT(EPOCH FROM t.created_at) * 1000000)::int8
            FROM idp.transactions t JOIN idp.service_providers sp ON sp.id = t.sp_id
            WHERE t.user_id = \(userID)
              AND (\(after == nil) OR ((EXTRACT(EPOCH FROM t.created_at) * 1000000)::int8, t.id) < (\(after?.micros ?? 0), \(after?.id ?? UUID())))
            ORDER BY t.created_at DESC, t.id DESC LIMIT \(limit + 1)
            """, logger: logger)
        var items: [(HistoryItem, String)] = []
        for try await (id, name, purpose, status, created, completed, micros) in rows.decode((UUID, String, String, String, Date, Date?, Int64).self) {
            items.append((HistoryItem(transactionID: id.uuidString.lowercased(), serviceProvider: name, purpose: purpose,
                                      status: VerificationStatusName(rawValue: status) ?? .pending, createdAt: created, completedAt: completed),
                          "\(micros)_\(id.uuidString.lowercased())"))
        }
        let page = Array(items.prefix(limit))
        return History(requests: page.map(\.0), nextCursor: items.count > limit ? page.last?.1 : nil)
    }

    /// Per UTC day, newest first, for the last `days` days.
    func statistics(spID: UUID, days: Int) async throws -> [DailyStatistics] {
        let rows = try await postgres.query("""
            SELECT to_char(date_trunc('day', created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD'), count(*)::int,
                   count(*) FILTER (WHERE status = 'COMPLETED')::int, count(*) FILTER (WHERE status = 'FAILED')::int,
                   count(*) FILTER (WHERE status = 'EXPIRED')::int, count(*) FILTER (WHERE status = 'PENDING')::int,
                   (avg(EXTRACT(EPOCH FROM completed_at - created_at)) FILTER (WHERE status IN ('COMPLETED', 'FAILED')))::float8
            FROM idp.transactions
            WHERE sp_id = \(spID) AND created_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - make_interval(days => \(days - 1)::int)
            GROUP BY 1 ORDER BY 1 DESC
            """, logger: logger)
        var result: [DailyStatistics] = []
        for try await (day, total, completed, failed, expired, pending, seconds) in rows.decode((String, Int, Int, Int, Int, Int, Double?).self) {
            let decided = completed + failed + expired
            result.append(DailyStatistics(date: day, total: total, completed: completed, failed: failed, expired: expired, pending: pending,
                                          successRate: decided == 0 ? nil : Double(completed) / Double(decided),
                                          averageSecondsToDecision: seconds))
        }
        return result
    }
}
