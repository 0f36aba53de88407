// Store/: all of idp-service's SQL.
import Foundation
import Logging
import PostgresNIO
import Shared

/// `idp.service_providers` and `idp.result_keys`.
struct ServiceProviderStore: Sendable {
  let postgres: Database
  let keyRing: MasterKeyRing
  let logger: Logger
  /// Every request, status poll and callback needs the SP; an admin change made on another
  /// instance is seen here within a second (docs/idp.md, "Caching").
  private let credentials = ShortLivedCache<String, (sp: ServiceProvider, secretHash: [UInt8])>(lifetime: .seconds(1))
  private let targets = ShortLivedCache<UUID, CallbackTarget>(lifetime: .seconds(1))

  struct CallbackTarget: Sendable {
    let url: String
    let secret: [UInt8]
  }

  /// Creates the SP with its client secret, webhook secret and first result key, and the audit
  /// row, in one transaction. The secrets come back once.
  func create(_ provider: NewServiceProvider, requestID: String? = nil) async throws -> ServiceProviderSecrets {
    let id = SecureRandom.uuid()
    let clientID = "sp_" + SecureRandom.hex(bytes: 12)
    let clientSecret = Base64URL.encode(SecureRandom.bytes(32))
    let webhookSecret = SecureRandom.bytes(32)
    let resultKey = SecureRandom.bytes(32)
    let kid = "\(clientID).v1"
    let sealedWebhook = try keyRing.seal(webhookSecret, purpose: "idp.webhook_secret", context: id.uuidString.lowercased())
    let sealedKey = try keyRing.seal(resultKey, purpose: "idp.result_key", context: kid)
    try await postgres.transaction(logger: logger) { connection in
      _ = try await connection.query(
        """
        INSERT INTO idp.service_providers (id, name, client_id, client_secret_hash, callback_url, webhook_secret,
                                           webhook_key_version, owner_user_id, may_receive_ci)
        VALUES (\(id), \(provider.name), \(clientID), \(ByteBuffer(bytes: ClientSecret.hash(clientSecret))), \(provider.callbackURL),
                \(ByteBuffer(bytes: sealedWebhook.sealed)), \(sealedWebhook.keyVersion), \(provider.ownerUserID), \(provider.mayReceiveCI))
        """, logger: logger
      ).collect()
      _ = try await connection.query(
        """
        INSERT INTO idp.result_keys (sp_id, version, kid, key_sealed, master_key_version)
        VALUES (\(id), 1, \(kid), \(ByteBuffer(bytes: sealedKey.sealed)), \(sealedKey.keyVersion))
        """, logger: logger
      ).collect()
      try await AuditEvent(
        action: "SERVICE_PROVIDER_CREATED", clientID: clientID, requestID: requestID,
        details: [
          "sp_id": id.uuidString.lowercased(), "name": provider.name,
          "may_receive_ci": String(provider.mayReceiveCI),
        ]
      ).insert(on: connection, logger: logger)
    }
    return ServiceProviderSecrets(
      id: id, clientID: clientID, clientSecret: clientSecret, webhookSecret: Base64URL.encode(webhookSecret),
      resultKeyID: kid, resultKey: Base64URL.encode(resultKey))
  }

  /// The SP whose client credentials these are, if they are right and it is active.
  func authenticate(_ credentials: ClientCredentials) async throws -> ServiceProvider {
    guard let secret = credentials.clientSecret,
      let known = try await self.credentials.value(for: credentials.clientID, load: { try await provider(clientID: credentials.clientID) }),
      known.sp.isActive, ClientSecret.matches(secret, known.secretHash)
    else { throw Problem.invalidClient }
    return known.sp
  }

  private func provider(clientID: String) async throws -> (sp: ServiceProvider, secretHash: [UInt8])? {
    let rows = try await postgres.query(
      """
      SELECT id, name, client_id, callback_url, is_active, owner_user_id, client_secret_hash, plan
      FROM idp.service_providers WHERE client_id = \(clientID)
      """, logger: logger)
    for try await (id, name, clientID, callback, active, owner, hash, plan) in rows.decode(
      (UUID, String, String, String, Bool, UUID?, ByteBuffer, String).self)
    {
      return (
        ServiceProvider(
          id: id, name: name, clientID: clientID, callbackURL: callback, isActive: active, ownerUserID: owner,
          plan: ServicePlan(rawValue: plan) ?? .free),
        Array(hash.readableBytesView)
      )
    }
    return nil
  }

  /// A result key as stored (sealed under the master key ring), opened.
  func openResultKey(_ sealed: [UInt8], version: Int, kid: String) throws -> [UInt8] {
    try keyRing.open(EncryptedValue(keyVersion: version, sealed: sealed), purpose: "idp.result_key", context: kid)
  }

  /// Where and how to deliver an SP's callbacks.
  func callbackTarget(spID: UUID) async throws -> CallbackTarget? {
    try await targets.value(for: spID) {
      let rows = try await postgres.query(
        """
        SELECT callback_url, webhook_secret, webhook_key_version FROM idp.service_providers WHERE id = \(spID)
        """, logger: logger)
      for try await (url, sealed, version) in rows.decode((String, ByteBuffer, Int).self) {
        return CallbackTarget(
          url: url,
          secret: try keyRing.open(
            EncryptedValue(keyVersion: version, sealed: Array(sealed.readableBytesView)),
            purpose: "idp.webhook_secret", context: spID.uuidString.lowercased()))
      }
      return nil
    }
  }

  /// After an admin change on this instance, which it must see at once.
  func forgetCached() {
    credentials.forgetAll()
    targets.forgetAll()
  }
}

extension ServiceProviderStore {
  static let viewSQL = """
    SELECT sp.id, sp.client_id, sp.name, sp.callback_url, sp.is_active, sp.owner_user_id,
        sp.may_receive_ci, k.kid, sp.created_at, sp.updated_at
    FROM idp.service_providers sp JOIN idp.result_keys k ON k.sp_id = sp.id AND k.retired_at IS NULL
    """

  private func views(_ rows: PostgresRowSequence) async throws -> [ServiceProviderView] {
    var views: [ServiceProviderView] = []
    for try await (id, clientID, name, url, active, owner, mayReceiveCI, kid, created, updated)
      in rows.decode((UUID, String, String, String, Bool, UUID?, Bool, String, Date, Date).self)
    {
      views.append(
        ServiceProviderView(
          id: id.uuidString.lowercased(), clientID: clientID, name: name, callbackURL: url, isActive: active,
          ownerUserID: owner?.uuidString.lowercased(), mayReceiveCI: mayReceiveCI, resultKeyID: kid,
          createdAt: created, updatedAt: updated))
    }
    return views
  }

  func view(clientID: String) async throws -> ServiceProviderView? {
    try await views(try await postgres.query("\(unescaped: Self.viewSQL) WHERE sp.client_id = \(clientID)", logger: logger)).first
  }

  func list(owner: UUID?) async throws -> [ServiceProviderView] {
    try await views(
      try await postgres.query(
        "\(unescaped: Self.viewSQL) WHERE \(owner)::uuid IS NULL OR sp.owner_user_id = \(owner) ORDER BY sp.name", logger: logger))
  }

  /// Changes the fields given, with the audit row.
  func update(id: UUID, name: String?, callbackURL: String?, isActive: Bool?, actor: UUID, requestID: String?) async throws {
    defer { forgetCached() }
    try await postgres.transaction(logger: logger) { connection in
      _ = try await connection.query(
        """
        UPDATE idp.service_providers SET name = COALESCE(\(name), name), callback_url = COALESCE(\(callbackURL), callback_url),
               is_active = COALESCE(\(isActive), is_active), updated_at = now()
        WHERE id = \(id)
        """, logger: logger
      ).collect()
      try await AuditEvent(
        action: "SERVICE_PROVIDER_UPDATED", actorUserID: actor, requestID: requestID,
        details: [
          "sp_id": id.uuidString.lowercased(),
          "fields": [name == nil ? nil : "name", callbackURL == nil ? nil : "callback_url", isActive == nil ? nil : "is_active"]
            .compactMap { $0 }.joined(separator: ","),
        ]
      ).insert(on: connection, logger: logger)
    }
  }

  /// The operator's grant (or withdrawal) of the plain CI for this SP's results, with the audit
  /// row. False when no SP has this client id.
  func setCIPermission(clientID: String, allowed: Bool) async throws -> Bool {
    defer { forgetCached() }
    return try await postgres.transaction(logger: logger) { connection in
      var changed: UUID?
      for try await id in try await connection.query(
        """
        UPDATE idp.service_providers SET may_receive_ci = \(allowed), updated_at = now() WHERE client_id = \(clientID) RETURNING id
        """, logger: logger
      ).decode(UUID.self) { changed = id }
      guard let changed else { return false }
      try await AuditEvent(
        action: "SERVICE_PROVIDER_CI_PERMISSION_CHANGED", clientID: clientID,
        details: [
          "sp_id": changed.uuidString.lowercased(), "may_receive_ci": String(allowed), "by": "operator",
        ]
      ).insert(on: connection, logger: logger)
      return true
    }
  }

  func rotateSecret(id: UUID, clientID: String, actor: UUID, requestID: String?) async throws -> ServiceProviderSecret {
    let secret = Base64URL.encode(SecureRandom.bytes(32))
    defer { forgetCached() }
    try await postgres.transaction(logger: logger) { connection in
      _ = try await connection.query(
        """
        UPDATE idp.service_providers SET client_secret_hash = \(ByteBuffer(bytes: ClientSecret.hash(secret))), updated_at = now()
        WHERE id = \(id)
        """, logger: logger
      ).collect()
      try await AuditEvent(action: "SERVICE_PROVIDER_SECRET_ROTATED", actorUserID: actor, clientID: clientID, requestID: requestID)
        .insert(on: connection, logger: logger)
    }
    return ServiceProviderSecret(clientID: clientID, clientSecret: secret)
  }

  /// A new result key (the next version) for results from now on; the old one is retired.
  func rotateResultKey(id: UUID, clientID: String, actor: UUID, requestID: String?) async throws -> ResultKey {
    let key = SecureRandom.bytes(32)
    defer { forgetCached() }
    return try await postgres.transaction(logger: logger) { connection in
      var version = 1
      for try await current in try await connection.query(
        """
        UPDATE idp.result_keys SET retired_at = now() WHERE sp_id = \(id) AND retired_at IS NULL RETURNING version
        """, logger: logger
      ).decode(Int.self) {
        version = current + 1
      }
      let kid = "\(clientID).v\(version)"
      let sealed = try keyRing.seal(key, purpose: "idp.result_key", context: kid)
      _ = try await connection.query(
        """
        INSERT INTO idp.result_keys (sp_id, version, kid, key_sealed, master_key_version)
        VALUES (\(id), \(version), \(kid), \(ByteBuffer(bytes: sealed.sealed)), \(sealed.keyVersion))
        """, logger: logger
      ).collect()
      try await AuditEvent(
        action: "SERVICE_PROVIDER_RESULT_KEY_ROTATED", actorUserID: actor, clientID: clientID, requestID: requestID,
        details: ["kid": kid]
      ).insert(on: connection, logger: logger)
      return ResultKey(kid: kid, k: Base64URL.encode(key))
    }
  }

  /// Sets a dead delivery of this SP pending again, due now, attempts counted afresh, with the
  /// audit row. Answers the status it had (nil: no such delivery); changes only a dead one.
  func resend(deliveryID: UUID, spID: UUID, actor: UUID, requestID: String?) async throws -> String? {
    try await postgres.transaction(logger: logger) { connection in
      var previous: String?
      for try await status in try await connection.query(
        """
        SELECT status FROM idp.callback_deliveries WHERE id = \(deliveryID) AND sp_id = \(spID) FOR UPDATE
        """, logger: logger
      ).decode(String.self) { previous = status }
      guard previous == "dead" else { return previous }
      _ = try await connection.query(
        """
        UPDATE idp.callback_deliveries SET status = 'pending', attempts = 0, next_attempt_at = now(), last_error = NULL
        WHERE id = \(deliveryID)
        """, logger: logger
      ).collect()
      try await AuditEvent(
        action: "CALLBACK_RESENT", actorUserID: actor, requestID: requestID,
        details: ["delivery_id": deliveryID.uuidString.lowercased()]
      ).insert(on: connection, logger: logger)
      return previous
    }
  }

  func deliveries(spID: UUID, status: String?) async throws -> [DeliveryView] {
    let rows = try await postgres.query(
      """
      SELECT id, transaction_id, status, attempts, last_status_code, last_error, created_at, delivered_at
      FROM idp.callback_deliveries WHERE sp_id = \(spID) AND (\(status)::text IS NULL OR status = \(status))
      ORDER BY created_at DESC LIMIT 100
      """, logger: logger)
    var list: [DeliveryView] = []
    for try await (id, transaction, status, attempts, code, error, created, delivered)
      in rows.decode((UUID, UUID, String, Int, Int?, String?, Date, Date?).self)
    {
      list.append(
        DeliveryView(
          deliveryID: id.uuidString.lowercased(), transactionID: transaction.uuidString.lowercased(), status: status,
          attempts: attempts, lastStatusCode: code, lastError: error, createdAt: created, deliveredAt: delivered))
    }
    return list
  }
}
