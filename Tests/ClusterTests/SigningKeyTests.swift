import Crypto
import Foundation
import NIOCore
import PostgresNIO
import Testing

@testable import Shared
@testable import TestSupport

/// `token-service keys rotate` against a fresh database, seen through the real gateway.
@Suite(.serialized, .timeLimit(.minutes(5))) struct SigningKeyTests {
  func rotate(_ cluster: Cluster) async throws -> String {
    let process = try cluster.start("token-service", arguments: ["keys", "rotate"])
    let status = await process.waitForExit(timeout: .seconds(20))
    #expect(status == 0, "keys rotate failed:\n\(process.log)")
    return process.log
  }

  func jwks(_ cluster: Cluster) async throws -> JWKSet {
    let response = try await cluster.get("/.well-known/jwks.json")
    #expect(response.status == 200)
    #expect(response.headers["content-type"] == "application/jwk-set+json")
    return try JSONDecoder().decode(JWKSet.self, from: Data(response.body.utf8))
  }

  @Test func rotationPublishesTheNextKeyAheadAndKeepsTheRetiredOne() async throws {
    try await withFreshDatabase { database in
      try await withCluster(database: database) { cluster in
        #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
        // token-service created the first current and next keys on start.
        let initialized = try await eventually { try await jwks(cluster).keys.count == 2 }
        #expect(initialized)
        let first = try await jwks(cluster)
        try #require(first.keys.count == 2)  // current and next
        #expect(first.keys.allSatisfy { $0.kty == "EC" && $0.crv == "P-256" && $0.alg == "ES256" && $0.use == "sig" })

        _ = try await rotate(cluster)
        // The rotation event reaches the gateway: no waiting for its cache to expire.
        let second = try await eventually(timeout: propagationLimit) { try await jwks(cluster).keys.count == 3 }
        #expect(second)
        let after = try await jwks(cluster)
        try #require(after.keys.count == 3)
        #expect(after.keys[0].kid == first.keys[1].kid)  // the published next key now signs
        #expect(after.keys.contains { $0.kid == first.keys[0].kid })  // the retired one is still published

        // Four rotations at once: the table lock keeps exactly one current and one next.
        try await withThrowingTaskGroup(of: String.self) { group in
          for _ in 0..<4 { group.addTask { try await rotate(cluster) } }
          try await group.waitForAll()
        }
        try await withPostgres(TestEnvironment.database(owner: true, name: database)) { owner in
          let rows = try await owner.query(
            "SELECT status, count(*)::int FROM token.signing_keys GROUP BY status ORDER BY status",
            logger: TestEnvironment.logger
          ).collect()
          let counts = try rows.map { try $0.decode((String, Int).self) }
          #expect(counts.map(\.0) == ["current", "next", "retired"])
          #expect(counts.map(\.1) == [1, 1, 5])
          let audited = try await owner.query(
            "SELECT count(*)::int FROM audit.events WHERE action = 'SIGNING_KEY_ROTATED'", logger: TestEnvironment.logger
          ).collect()
          #expect(try audited.first?.decode(Int.self) == 6)
        }
      }
    }
  }

  @Test func theStoredPrivateKeyIsSealedAndMatchesThePublishedJWK() async throws {
    try await withFreshDatabase { database in
      try await withCluster(database: database) { cluster in
        #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
        _ = try await rotate(cluster)
        let published = try #require(try await jwks(cluster).keys.first)
        try await withPostgres(TestEnvironment.database(owner: true, name: database)) { owner in
          let rows = try await owner.query(
            "SELECT kid, private_key, master_key_version FROM token.signing_keys WHERE status = 'current'",
            logger: TestEnvironment.logger
          ).collect()
          let (kid, sealedBuffer, version) = try #require(rows.first).decode((String, ByteBuffer, Int).self)
          let sealed = Array(sealedBuffer.readableBytesView)
          #expect(kid == published.kid)
          #expect(sealed.count == 12 + 32 + 16)  // nonce, the 32-byte scalar, tag: not the raw key
          // The test environment uses the local demo master key.
          let ring = try MasterKeyRing(current: (1, MasterKeyRing.localDemoKey))
          let raw = try ring.open(EncryptedValue(keyVersion: version, sealed: sealed), purpose: "token.signing_key", context: kid)
          let signer = try P256.Signing.PrivateKey(rawRepresentation: raw)
          let x = try #require(Base64URL.decode(published.x))
          let y = try #require(Base64URL.decode(published.y))
          let verifier = try P256.Signing.PublicKey(x963Representation: [4] + x + y)
          let message = Array("gatehouse".utf8)
          #expect(verifier.isValidSignature(try signer.signature(for: message), for: message))
          // kid is the RFC 7638 thumbprint of the published key.
          let canonical = #"{"crv":"P-256","kty":"EC","x":"\#(published.x)","y":"\#(published.y)"}"#
          #expect(kid == Base64URL.encode(SHA256.hash(data: Array(canonical.utf8))))
        }
      }
    }
  }

  @Test func discoveryNamesTheIssuerAndItsKeys() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let response = try await cluster.api.get("/.well-known/openid-configuration", as: DiscoveryDocument.self)
      #expect(response.status == 200)
      let document = response.value
      let issuer = "http://127.0.0.1:\(cluster.httpPort)"
      #expect(document?.issuer == issuer, "\(response)")
      #expect(document?.jwksURI == issuer + "/.well-known/jwks.json")
    }
  }

  @Test func keysRotateOnScheduleOncePerPeriodHoweverManyInstancesRun() async throws {
    try await withFreshDatabase { database in
      try await withCluster(database: database, environment: ["GATEHOUSE_KEY_ROTATION_SECONDS": "2"]) { cluster in
        #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
        let first = try #require(cluster.processes.first { $0.name == "token-service" })
        let second = try cluster.start("token-service")  // a second instance, checking the schedule too
        let account = try await cluster.api.makeAccount()
        let before = try await cluster.api.signIn(account).accessToken
        func kid(_ token: String) throws -> String? { try tokenHeader(token).kid }
        // New tokens come signed by a newer key without anyone running a command...
        #expect(
          try await eventually(timeout: .seconds(12)) {
            guard let fresh = try await cluster.api.login(account).value?.accessToken else { return false }
            return try kid(fresh) != kid(before)
          })
        // ...and the tokens signed before keep verifying.
        #expect(try await cluster.api.verify(before).status == 200)

        // Every instance checks the schedule: the one that has been rotating stops, and the
        // other takes over, as its own log shows.
        func rotations(_ process: ServiceProcess) -> Int {
          process.log.split(separator: "\n").filter { json(String($0))["msg"] as? String == "signing keys rotated on schedule" }.count
        }
        #expect(try await eventually { rotations(first) + rotations(second) > 0 }, "no scheduled rotation logged:\n\(cluster.logs)")
        let (stopped, other) = rotations(first) >= rotations(second) ? (first, second) : (second, first)
        #expect(rotations(stopped) > 0)
        await stopped.stop()
        let taken = rotations(other)
        #expect(try await eventually(timeout: .seconds(12)) { rotations(other) > taken }, "the other instance never rotated:\n\(other.log)")

        try await withPostgres(TestEnvironment.database(owner: true, name: database)) { owner in
          let rows = try await owner.query(
            """
            SELECT count(*)::int, COALESCE(min(gap), 999)::float8 FROM (
                SELECT EXTRACT(EPOCH FROM activated_at - lag(activated_at) OVER (ORDER BY activated_at)) AS gap
                FROM token.signing_keys WHERE activated_at IS NOT NULL) g
            """, logger: TestEnvironment.logger
          ).collect()
          let (keys, shortestGap) = try #require(rows.first).decode((Int, Double).self)
          // The first key and one rotation by each instance at least; two instances checking
          // every 1 s, and still one rotation per 2 s period, never two at once.
          #expect(keys >= 3)
          #expect(shortestGap >= 1.9, "rotations \(shortestGap) s apart")
        }
      }
    }
  }
}
