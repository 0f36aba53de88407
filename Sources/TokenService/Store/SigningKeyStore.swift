// Store/: all of token-service's SQL.
import Foundation
import Logging
import PostgresNIO
import Shared

/// `token.signing_keys`.
struct SigningKeyStore: Sendable {
  let postgres: Database
  let keyRing: MasterKeyRing
  let logger: Logger

  /// The keys a verifier may meet: current, next, and retired ones still within publish_until.
  func published() async throws -> JWKSet {
    let rows = try await postgres.query(
      """
      SELECT public_jwk::text FROM token.signing_keys
      WHERE status IN ('current', 'next') OR publish_until > now()
      ORDER BY CASE status WHEN 'current' THEN 0 WHEN 'next' THEN 1 ELSE 2 END, created_at DESC
      """, logger: logger)
    var keys: [PublicJWK] = []
    for try await text in rows.decode(String.self) {
      keys.append(try JSONDecoder().decode(PublicJWK.self, from: Data(text.utf8)))
    }
    return JWKSet(keys: keys)
  }

  /// The key that signs now, unsealed.
  func current() async throws -> SigningKey? {
    let rows = try await postgres.query(
      "SELECT kid, private_key, master_key_version FROM token.signing_keys WHERE status = 'current'", logger: logger)
    for try await (kid, sealed, version) in rows.decode((String, ByteBuffer, Int).self) {
      return try SigningKey.opened(
        kid: kid, sealed: EncryptedValue(keyVersion: version, sealed: Array(sealed.readableBytesView)), with: keyRing)
    }
    return nil
  }

  struct Rotation: Sendable {
    let retired: String?
    let current: String
    let next: String
  }

  /// One rotation, in one transaction with its audit row: current → retired (published for
  /// `KeyPublication.retiredKeyLifetime` more), next → current, a new key → next. On an empty
  /// table it creates both a current and a next key. Concurrent rotations are serialised by a
  /// table lock, so two never promote the same key.
  func rotate(requestID: String? = nil) async throws -> Rotation {
    guard let rotation = try await rotate(requestID: requestID, when: .always) else {
      throw Problem.internalError()  // unreachable: an unconditional rotation always rotates
    }
    return rotation
  }

  /// The first rotation, when no key signs yet (a new database); several instances starting at
  /// once create one set between them. Returns nil when keys already exist.
  func initializeIfEmpty() async throws -> Rotation? {
    try await rotate(requestID: nil, when: .noCurrentKey)
  }

  /// The scheduled rotation: rotates when the current key has signed for `age` or longer.
  /// Decided under the table lock, so instances checking at once rotate once between them.
  func rotateIfCurrent(olderThan age: Duration) async throws -> Rotation? {
    try await rotate(requestID: nil, when: .currentOlderThan(seconds: Double(age.components.seconds)))
  }

  private enum Condition {
    case always, noCurrentKey
    case currentOlderThan(seconds: Double)
  }

  private func rotate(requestID: String?, when condition: Condition) async throws -> Rotation? {
    let newNext = SigningKey.generate()
    let publishSeconds = Double(KeyPublication.retiredKeyLifetime.milliseconds) / 1000
    return try await postgres.transaction(logger: logger) { connection in
      _ = try await connection.query("LOCK TABLE token.signing_keys IN SHARE ROW EXCLUSIVE MODE", logger: logger).collect()
      switch condition {
      case .always:
        break
      case .noCurrentKey:
        let existing = try await connection.query(
          "SELECT count(*)::int FROM token.signing_keys WHERE status = 'current'", logger: logger
        ).collect()
        if try existing.first?.decode(Int.self) ?? 0 > 0 { return nil }
      case .currentOlderThan(let seconds):
        let due = try await connection.query(
          """
          SELECT count(*)::int FROM token.signing_keys
          WHERE status = 'current' AND activated_at > now() - make_interval(secs => \(seconds))
          """, logger: logger
        ).collect()
        if try due.first?.decode(Int.self) ?? 0 > 0 { return nil }
      }
      // Keys no longer published have no use left; their private halves go.
      _ = try await connection.query(
        "DELETE FROM token.signing_keys WHERE status = 'retired' AND publish_until < now()", logger: logger
      ).collect()
      var retired: String?
      for try await kid in try await connection.query(
        """
        UPDATE token.signing_keys
        SET status = 'retired', retired_at = now(), publish_until = now() + make_interval(secs => \(publishSeconds))
        WHERE status = 'current' RETURNING kid
        """, logger: logger
      ).decode(String.self) {
        retired = kid
      }
      var promoted: String?
      for try await kid in try await connection.query(
        "UPDATE token.signing_keys SET status = 'current', activated_at = now() WHERE status = 'next' RETURNING kid",
        logger: logger
      ).decode(String.self) {
        promoted = kid
      }
      let current: String
      if let promoted {
        current = promoted
      } else {
        // First rotation: nothing was published ahead, so this key signs at once.
        let first = SigningKey.generate()
        try await insert(first, status: "current", on: connection)
        current = first.kid
      }
      try await insert(newNext, status: "next", on: connection)
      try await AuditEvent(
        action: "SIGNING_KEY_ROTATED", requestID: requestID,
        details: ["retired": retired ?? "", "current": current, "next": newNext.kid]
      ).insert(on: connection, logger: logger)
      return Rotation(retired: retired, current: current, next: newNext.kid) as Rotation?
    }
  }

  private func insert(_ key: SigningKey, status: String, on connection: PostgresConnection) async throws {
    let sealed = try key.sealed(with: keyRing)
    let privateKey = ByteBuffer(bytes: sealed.sealed)  // bytea
    let jwk = String(buffer: try JSON.encode(try key.publicJWK))
    _ = try await connection.query(
      """
      INSERT INTO token.signing_keys (kid, algorithm, public_jwk, private_key, master_key_version, status, activated_at)
      VALUES (\(key.kid), 'ES256', \(jwk)::jsonb, \(privateKey), \(sealed.keyVersion), \(status),
              CASE WHEN \(status) = 'current' THEN now() END)
      """, logger: logger
    ).collect()
  }
}
