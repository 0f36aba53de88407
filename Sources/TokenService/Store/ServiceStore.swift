import Crypto
import Foundation
import Logging
import PostgresNIO
import Shared

/// `token.services`.
struct ServiceStore: Sendable {
  let postgres: Database
  let logger: Logger

  func find(slug: String) async throws -> ServiceRecord? {
    try await find(where: "slug = $1", slug)?.0
  }

  func find(id: UUID) async throws -> ServiceRecord? {
    try await find(where: "id = $1::uuid", id.uuidString)?.0
  }

  /// The service whose OAuth client this is, with the SHA-256 of its client secret.
  func find(clientID: String) async throws -> (ServiceRecord, secretHash: [UInt8])? {
    try await find(where: "client_id = $1", clientID)
  }

  private func find(where condition: String, _ value: String) async throws -> (ServiceRecord, [UInt8])? {
    var binds = PostgresBindings()
    binds.append(value)
    let rows = try await postgres.query(
      PostgresQuery(
        unsafeSQL: """
          SELECT \(ServiceRecord.columns(of: "s")), s.client_secret_hash FROM token.services s WHERE s.\(condition)
          """, binds: binds), logger: logger)
    for try await row in rows {
      let columns = row.makeRandomAccess()
      let service = try ServiceRecord(columns, from: 0)
      return (service, Array(try columns[ServiceRecord.columnCount].decode(ByteBuffer.self).readableBytesView))
    }
    return nil
  }

  /// The service users may sign up or sign in to now, or the problem that says why not.
  func open(slug: String) async throws -> ServiceRecord {
    guard let service = try await find(slug: slug) else {
      throw ServiceAdminProblems.serviceNotFound.problem("No service named \(slug).")
    }
    try service.requireOpen()
    return service
  }

  struct Created: Sendable {
    let id: UUID
    let clientID: String
    /// Shown once; only its SHA-256 is stored.
    let clientSecret: String
  }

  /// Creates a service with new client credentials, with its audit row. Returns nil when the
  /// slug is taken.
  func create(_ service: NewService, environment: DeploymentEnvironment, requestID: String? = nil) async throws -> Created? {
    try service.validate(environment: environment)
    let clientID = "gh_" + SecureRandom.hex(bytes: 12)
    let secret = Base64URL.encode(SecureRandom.bytes(32))
    let secretHash = ByteBuffer(bytes: SHA256.hash(data: Array(secret.utf8)))
    return try await postgres.transaction(logger: logger) { connection in
      let rows = try await connection.query(
        """
        INSERT INTO token.services (slug, name, type, allowed_origins, redirect_uris, social_providers, client_id, client_secret_hash)
        VALUES (\(service.slug), \(service.name), \(service.type), \(service.allowedOrigins), \(service.redirectURIs),
                \(service.socialProviders), \(clientID), \(secretHash))
        ON CONFLICT (slug) DO NOTHING RETURNING id
        """, logger: logger)
      var created: UUID?
      for try await id in rows.decode(UUID.self) { created = id }
      guard let id = created else { return nil }
      try await AuditEvent(
        action: "SERVICE_CREATED", serviceID: id, requestID: requestID,
        details: ["slug": service.slug, "client_id": clientID]
      ).insert(on: connection, logger: logger)
      return Created(id: id, clientID: clientID, clientSecret: secret)
    }
  }
}

extension ServiceStore {
  /// The origins of every open service, lowercased.
  func allowedOrigins() async throws -> [String] {
    let rows = try await postgres.query(
      """
      SELECT DISTINCT lower(origin) FROM token.services, unnest(allowed_origins) AS origin
      WHERE status = 'active' AND deleted_at IS NULL ORDER BY 1
      """, logger: logger)
    var origins: [String] = []
    for try await origin in rows.decode(String.self) { origins.append(origin) }
    return origins
  }
}
