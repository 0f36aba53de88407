import Crypto
import Foundation
import Logging
import PostgresNIO
import Shared

/// `idp.transactions`, their notifications and the callback delivery each decision leaves.
struct TransactionStore: Sendable {
    let postgres: Database
    let providers: ServiceProviderStore
    let profiles: IdentityProfileStore
    let vault: IdentityVault
    let pins: PinVerifier
    /// How long a delivery waits for its first worker before the sweeper hands it out again.
    let deliveryLease: Duration
    let logger: Logger

    /// A new PENDING transaction for the person with this phone number, its notification and
    /// audit row, in one round trip (`idp.open_request`, migrations 004, 006, 007, 009). Nil when
    /// no one has this number (counted as a miss against the SP, its owner and the deployment);
    /// refused, whatever the number, when one of those budgets is spent (`UnknownNumberLimits`), or when
    /// the person already has `maxPending` undecided requests (counted under a per-person lock,
    /// so concurrent requests cannot all slip under the limit).
    func create(sp: ServiceProvider, phoneNumber: String, purpose: String, lifetime: Duration, maxPending: Int,
                unknownNumbers: UnknownNumberLimits, requestID: String?) async throws -> (status: VerificationStatus, item: InboxItem, userID: UUID)? {
        var opened: Open.Row?
        for try await row in try await postgres.execute(Open(
            phoneNumber: phoneNumber, spID: sp.id, purpose: purpose, lifetime: lifetime.seconds, maxPending: maxPending,
            clientID: sp.clientID, requestID: requestID, spName: sp.name, unknownNumbers: unknownNumbers, owner: sp.ownerUserID), logger: logger) {
            opened = row
        }
        switch opened {
        case .created(let id, let userID, let createdAt, let expiresAt):
            let idText = id.uuidString.lowercased()
            return (VerificationStatus(transactionID: idText, status: .pending, createdAt: createdAt, expiresAt: expiresAt, completedAt: nil),
                    InboxItem(transactionID: idText, serviceProvider: sp.name, purpose: purpose, createdAt: createdAt, expiresAt: expiresAt),
                    userID)
        case .tooManyPending:
            throw Problem(status: 429, code: "too_many_pending", title: "Too many pending requests",
                          detail: "This person already has \(maxPending) requests waiting for a decision.")
        case .tooManyUnknownNumbers:
            throw Problem(status: 429, code: "too_many_unknown_numbers", title: "Too many unknown numbers",
                          detail: "Too many requests for numbers without a profile; try again later.")
        case .unknownPhone, nil:
            return nil
        }
    }

    struct Open: PostgresPreparedStatement {
        static let sql = """
            SELECT outcome, transaction_id, user_id, created_at, expires_at
            FROM idp.open_request($1, $2, $3, $4, $5::integer, $6, $7, $8, $9::integer, $10, $11::integer, $12::integer)
            """

        enum Row {
            case created(id: UUID, userID: UUID, createdAt: Date, expiresAt: Date)
            case tooManyPending
            case tooManyUnknownNumbers
            case unknownPhone
        }

        let phoneNumber: String
        let spID: UUID
        let purpose: String
        let lifetime: Double
        let maxPending: Int
        let clientID: String
        let requestID: String?
        let spName: String
        let unknownNumbers: UnknownNumberLimits
        let owner: UUID?

        func makeBindings() throws -> PostgresBindings {
            var b = PostgresBindings()
            b.append(phoneNumber)
            b.append(spID)
            b.append(purpose)
            b.append(lifetime)
            b.append(maxPending)
            b.append(clientID)
            b.append(requestID)
            b.append(spName)
            b.append(unknownNumbers.perSP)
            b.append(owner)
            b.append(unknownNumbers.perOwner)
            b.append(unknownNumbers.perDeployment)
            return b
        }

        func decodeRow(_ row: PostgresRow) throws -> Row {
            let (outcome, id, userID, createdAt, expiresAt) = try row.decode((String, UUID?, UUID?, Date?, Date?).self)
            switch (outcome, id, userID, createdAt, expiresAt) {
            case ("created", let id?, let userID?, let createdAt?, let expiresAt?):
                return .created(id: id, userID: userID, createdAt: createdAt, expiresAt: expiresAt)
            case ("too_many_pending", _, _, _, _): return .tooManyPending
            case ("too_many_unknown_numbers", _, _, _, _): return .tooManyUnknownNumbers
            default: return .unknownPhone
            }
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

    /// The JWE of a COMPLETED transaction, for the SP that asked, against its auth_code, once:
    /// the pull that takes it sets `result_pulled_at` in a conditional UPDATE with its
    /// `CI_DI_ACCESS` audit row, so of concurrent pulls exactly one gets it (migration 010).
    func result(id: UUID, sp: ServiceProvider, authCode: String, requestID: String?) async throws -> VerificationResult {
        let hash = ByteBuffer(bytes: ClientSecret.hash(authCode))
        let taken = try await postgres.transaction(logger: logger) { connection -> String? in
            var row: (String, UUID)?
            for try await found in try await connection.query("""
                UPDATE idp.transactions SET result_pulled_at = now()
                WHERE id = \(id) AND sp_id = \(sp.id) AND status = 'COMPLETED' AND auth_code_hash = \(hash) AND result_pulled_at IS NULL
                RETURNING result_jwe, user_id
                """, logger: logger).decode((String, UUID).self) { row = found }
            guard let (jwe, userID) = row else { return nil }
            try await AuditEvent(action: "CI_DI_ACCESS", actorUserID: userID, clientID: sp.clientID, requestID: requestID,
                                 details: ["transaction_id": id.uuidString.lowercased(), "via": "result"]).insert(on: connection, logger: logger)
            return jwe
        }
        if let taken { return VerificationResult(transactionID: id.uuidString.lowercased(), status: .completed, result: taken) }
        // Nothing changed; a plain read tells why.
        var found: (String, ByteBuffer?, Date?)?
        for try await row in try await postgres.query("""
            SELECT status, auth_code_hash, result_pulled_at FROM idp.transactions WHERE id = \(id) AND sp_id = \(sp.id)
            """, logger: logger).decode((String, ByteBuffer?, Date?).self) { found = row }
        guard let (status, stored, pulledAt) = found else { throw Self.notFound }
        guard status == "COMPLETED", let stored else {
            throw Problem(status: 409, code: "not_completed", title: "Not completed", detail: "The transaction is \(status).")
        }
        guard ClientSecret.matches(authCode, Array(stored.readableBytesView)) else {
            throw Problem(status: 403, code: "invalid_auth_code", title: "Invalid auth code",
                          detail: "auth_code is not this transaction's.", field: "auth_code")
        }
        throw Problem(status: 409, code: "auth_code_used", title: "Auth code used",
                      detail: "This auth_code's result was pulled \(pulledAt.map { "at \($0.formatted(.iso8601))" } ?? "already"); an auth_code is good once.")
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

        var delivery: Delivery? {
            switch self {
            case .completed(let delivery), .rejected(let delivery), .wrongPin(let delivery, _), .expired(let delivery): return delivery
            case .alreadyDecided, .pinLocked: return nil
            }
        }
    }

    /// The callback a decision left. `claimedHere`: its first attempt was taken by the deciding
    /// instance in the same statement (attempts = 1, leased), which sends it without a job.
    struct Delivery: Sendable {
        let id: UUID
        let transactionID: UUID
        let spID: UUID
        let status: VerificationStatusName
        let body: String
        let claimedHere: Bool
    }

    /// Confirms (with `pin`) or rejects (`pin` nil) the person's own PENDING transaction. One
    /// read, then one conditional statement that commits the status, the auth_code, the audit
    /// rows and the callback delivery together only while the row is still PENDING: of any
    /// number of concurrent decisions on any number of instances exactly one changes it, and the
    /// rest find it decided. Expiry is checked by that statement too, never by trusting the read.
    func decide(id: UUID, userID: UUID, pin: String?, claimDelivery: Bool, requestID: String?) async throws -> Decision {
        guard let found = try await read(id: id, userID: userID) else { throw Self.notFound }
        guard found.status == "PENDING" else { return .alreadyDecided(VerificationStatusName(rawValue: found.status) ?? .failed) }
        /// The conditional statement for this transaction, on `connection`, or alone when nil.
        func conclude(_ status: VerificationStatusName, reason: String?, audits: [(String, [String: String])], resetPin: Bool = false,
                      authCodeHash: [UInt8]? = nil, jwe: String? = nil, completedAt: Date = Date(),
                      on connection: PostgresConnection? = nil) async throws -> Delivery? {
            func run(_ connection: PostgresConnection) async throws -> Delivery? {
                try await finish(id, spID: found.spID, status: status, reason: reason, completedAt: completedAt, authCodeHash: authCodeHash,
                                 jwe: jwe, audits: audits, actor: userID, clientID: found.clientID, requestID: requestID, resetPin: resetPin,
                                 claimHere: claimDelivery, on: connection)
            }
            if let connection { return try await run(connection) }
            return try await postgres.withConnection { try await run($0) }
        }
        /// Why a conditional statement changed nothing: decided meanwhile, or (only now) expired.
        func lost() async throws -> Decision {
            guard let now = try await read(id: id, userID: userID) else { throw Self.notFound }
            if now.status == "PENDING", now.expired { return try await expire() }
            return .alreadyDecided(VerificationStatusName(rawValue: now.status) ?? .failed)
        }
        func expire() async throws -> Decision {
            guard let delivery = try await conclude(.expired, reason: "expired", audits: [("AUTH_EXPIRED", [:])]) else { return try await lost() }
            return .expired(delivery)
        }
        if found.expired { return try await expire() }
        guard let pin else {
            guard let delivery = try await conclude(.failed, reason: "rejected", audits: [("AUTH_FAILED", ["reason": "rejected"])]) else {
                return try await lost()
            }
            return .rejected(delivery)
        }
        if let lockedUntil = found.lockedUntil { return .pinLocked(until: lockedUntil) }
        guard pins.matches(pin, userID: userID, verifier: found.pinVerifier) else {
            // The failure counts against the person only if it decided this transaction.
            let outcome = try await postgres.transaction(logger: logger) { connection -> (Delivery, Date?)? in
                guard let delivery = try await conclude(.failed, reason: "invalid_pin", audits: [("AUTH_FAILED", ["reason": "invalid_pin"])],
                                                        on: connection) else { return nil }
                return (delivery, try await profiles.recordWrongPin(userID: userID, on: connection))
            }
            guard let (delivery, locked) = outcome else { return try await lost() }
            return .wrongPin(delivery, lockedUntil: locked)
        }
        // The person approved: the SP's result, sealed for it alone.
        guard let resultKey = found.resultKey else { throw Problem.internalError() }
        let key = try providers.openResultKey(resultKey.sealed, version: resultKey.version, kid: resultKey.kid)
        let ci = try vault.openCI(found.ci, userID: userID)
        let authCode = Base64URL.encode(SecureRandom.bytes(32))
        let completedAt = Date()
        let payload = ResultPayload(transactionID: id.uuidString.lowercased(), authCode: authCode, ci: found.mayReceiveCI ? ci : nil,
                                    di: IdentityVault.di(ci: ci, spID: found.spID), completedAt: completedAt)
        let jwe = try ResultJWE.seal(Array(try JSON.encode(payload).readableBytesView), key: key, kid: resultKey.kid)
        guard let delivery = try await conclude(.completed, reason: nil, audits: [("AUTH_COMPLETED", [:]), ("CI_DI_ACCESS", ["via": "completion"])],
                                                resetPin: found.hadFailures, authCodeHash: ClientSecret.hash(authCode), jwe: jwe,
                                                completedAt: completedAt) else { return try await lost() }
        return .completed(delivery)
    }

    private func read(id: UUID, userID: UUID) async throws -> DecisionContext.Row? {
        var found: DecisionContext.Row?
        for try await row in try await postgres.execute(DecisionContext(id: id, userID: userID), logger: logger) { found = row }
        return found
    }

    /// The transaction with what deciding it needs: the person's PIN verifier, lock and sealed
    /// CI, the SP's client id and its current result key. Prepared: planning this four-table
    /// join cost more than running it.
    struct DecisionContext: PostgresPreparedStatement {
        static let sql = """
            SELECT t.sp_id, t.status, t.expires_at <= now(), p.pin_verifier,
                   CASE WHEN p.pin_locked_until > now() THEN p.pin_locked_until END, p.ci_sealed, p.ci_key_version, sp.client_id,
                   p.pin_failures > 0, k.kid, k.key_sealed, k.master_key_version, sp.may_receive_ci
            FROM idp.transactions t
            JOIN idp.identity_profiles p ON p.user_id = t.user_id
            JOIN idp.service_providers sp ON sp.id = t.sp_id
            LEFT JOIN idp.result_keys k ON k.sp_id = t.sp_id AND k.retired_at IS NULL
            WHERE t.id = $1 AND t.user_id = $2
            """

        struct Row: Sendable {
            let spID: UUID
            let status: String
            let expired: Bool
            let pinVerifier: [UInt8]
            let lockedUntil: Date?
            let ci: EncryptedValue
            let clientID: String
            let hadFailures: Bool
            let resultKey: (kid: String, sealed: [UInt8], version: Int)?
            /// The SP may receive the plain CI (migration 008); otherwise its result has the DI only.
            let mayReceiveCI: Bool
        }

        let id: UUID
        let userID: UUID

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings()
            bindings.append(id)
            bindings.append(userID)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row {
            let c = row.makeRandomAccess()
            let kid = try c[9].decode(String?.self), keySealed = try c[10].decode(ByteBuffer?.self), keyVersion = try c[11].decode(Int?.self)
            return Row(
                spID: try c[0].decode(UUID.self), status: try c[1].decode(String.self), expired: try c[2].decode(Bool.self),
                pinVerifier: Array(try c[3].decode(ByteBuffer.self).readableBytesView), lockedUntil: try c[4].decode(Date?.self),
                ci: EncryptedValue(keyVersion: try c[6].decode(Int.self), sealed: Array(try c[5].decode(ByteBuffer.self).readableBytesView)),
                clientID: try c[7].decode(String.self), hadFailures: try c[8].decode(Bool.self),
                resultKey: kid.flatMap { kid in keySealed.flatMap { sealed in keyVersion.map { (kid, Array(sealed.readableBytesView), $0) } } },
                mayReceiveCI: try c[12].decode(Bool.self))
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
                if let delivery = try await finish(id, spID: spID, status: .expired, reason: "expired", audits: [("AUTH_EXPIRED", [:])],
                                                   actor: userID, clientID: nil, requestID: nil, claimHere: false, on: connection) {
                    deliveries.append(delivery)
                }
            }
            return deliveries
        }
    }

    /// Sets the final status of a transaction that is still PENDING (and, unless `status` is
    /// EXPIRED, not yet expired), writes the callback for the SP (`{transaction_id, status,
    /// result}` when completed, the JWE; `{transaction_id, status, failure_reason}` otherwise)
    /// and the audit rows, in one statement. Nil when the row was no longer PENDING.
    private func finish(_ id: UUID, spID: UUID, status: VerificationStatusName, reason: String?, completedAt: Date = Date(),
                        authCodeHash: [UInt8]? = nil, jwe: String? = nil, audits: [(String, [String: String])], actor: UUID,
                        clientID: String?, requestID: String?, resetPin: Bool = false, claimHere: Bool,
                        on connection: PostgresConnection) async throws -> Delivery? {
        let body = String(buffer: try JSON.encode(CallbackBody(
            transactionID: id.uuidString.lowercased(), status: status, result: jwe, failureReason: reason)))
        let details = try audits.map { String(buffer: try JSON.encode($0.1.merging(["transaction_id": id.uuidString.lowercased()]) { a, _ in a })) }
        for try await deliveryID in try await connection.execute(Finish(
            id: id, status: status.rawValue, completedAt: completedAt, reason: reason, authCodeHash: authCodeHash.map { ByteBuffer(bytes: $0) },
            jwe: jwe, spID: spID, body: body, lease: deliveryLease.seconds, actor: actor, clientID: clientID, requestID: requestID,
            actions: audits.map(\.0), details: details, resetPin: resetPin, claimHere: claimHere), logger: logger) {
            return Delivery(id: deliveryID, transactionID: id, spID: spID, status: status, body: body, claimedHere: claimHere)
        }
        return nil
    }

    /// The decision's writes as one prepared statement: the transaction's final state (only
    /// from PENDING, and only before its expiry unless it is the expiry), its callback delivery
    /// (leased, and its first attempt taken when `$16`), its audit rows and (after a right PIN)
    /// the person's failure count reset. No row back: nothing changed.
    struct Finish: PostgresPreparedStatement {
        static let sql = """
            WITH finished AS (
                UPDATE idp.transactions SET status = $2, completed_at = $3, failure_reason = $4, auth_code_hash = $5, result_jwe = $6
                WHERE id = $1 AND status = 'PENDING' AND ($2 = 'EXPIRED' OR expires_at > now())
                RETURNING id
            ), delivery AS (
                INSERT INTO idp.callback_deliveries (transaction_id, sp_id, body, attempts, next_attempt_at)
                SELECT id, $7, $8, CASE WHEN $16 THEN 1 ELSE 0 END, now() + make_interval(secs => $9) FROM finished RETURNING id
            ), audited AS (
                INSERT INTO audit.events (action, actor_user_id, client_id, request_id, details)
                SELECT a.action, $10, $11, $12, a.details::jsonb FROM finished, unnest($13::text[], $14::text[]) WITH ORDINALITY AS a(action, details, n)
                ORDER BY a.n
            ), reset AS (
                UPDATE idp.identity_profiles SET pin_failures = 0, pin_first_failed_at = NULL
                WHERE $15 AND user_id = $10 AND EXISTS (SELECT 1 FROM finished)
            )
            SELECT id FROM delivery
            """

        let id: UUID
        let status: String
        let completedAt: Date
        let reason: String?
        let authCodeHash: ByteBuffer?
        let jwe: String?
        let spID: UUID
        let body: String
        let lease: Double
        let actor: UUID
        let clientID: String?
        let requestID: String?
        let actions: [String]
        let details: [String]
        let resetPin: Bool
        let claimHere: Bool

        func makeBindings() throws -> PostgresBindings {
            var b = PostgresBindings()
            b.append(id)
            b.append(status)
            b.append(completedAt)
            b.append(reason)
            b.append(authCodeHash)
            b.append(jwe)
            b.append(spID)
            b.append(body)
            b.append(lease)
            b.append(actor)
            b.append(clientID)
            b.append(requestID)
            b.append(actions)
            b.append(details)
            b.append(resetPin)
            b.append(claimHere)
            return b
        }

        func decodeRow(_ row: PostgresRow) throws -> UUID { try row.decode(UUID.self) }
    }
}

/// The plaintext of the SP's result JWE. `ci` only for an SP the operator allowed it (left out,
/// not null, otherwise); the DI, per SP, always.
struct ResultPayload: Encodable {
    let transactionID: String
    let authCode: String
    let ci: String?
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
              AND (\(after == nil) OR ((EXTRACT(EPOCH FROM t.created_at) * 1000000)::int8, t.id) < (\(after?.micros ?? 0), \(after?.id ?? SecureRandom.uuid())))
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
