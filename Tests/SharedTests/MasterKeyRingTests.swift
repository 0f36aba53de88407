import Configuration
import Crypto
import Foundation
import Testing

@testable import Shared

@Suite(.timeLimit(.minutes(2))) struct MasterKeyRingTests {
  let oldKey = SymmetricKey(size: .bits256)
  let newKey = SymmetricKey(size: .bits256)

  @Test func sealedValuesOpenOnlyWithTheirPurposeAndContext() throws {
    let ring = try MasterKeyRing(current: (1, oldKey))
    let sealed = try ring.seal(Array("secret".utf8), purpose: "idp.ci", context: "row-1")
    #expect(try ring.open(sealed, purpose: "idp.ci", context: "row-1") == Array("secret".utf8))
    #expect(throws: EncryptionError.tampered) { try ring.open(sealed, purpose: "token.signing_key", context: "row-1") }
    #expect(throws: EncryptionError.tampered) { try ring.open(sealed, purpose: "idp.ci", context: "row-2") }
    var flipped = sealed.sealed
    flipped[flipped.count - 1] ^= 1
    #expect(throws: EncryptionError.tampered) {
      try ring.open(EncryptedValue(keyVersion: 1, sealed: flipped), purpose: "idp.ci", context: "row-1")
    }
  }

  @Test func rotationKeepsOldValuesReadableAndSealsNewOnesUnderTheNewKey() throws {
    let before = try MasterKeyRing(current: (1, oldKey))
    let old = try before.seal(Array("a".utf8), purpose: "p")
    let after = try MasterKeyRing(current: (2, newKey), previous: [1: oldKey])
    #expect(try after.open(old, purpose: "p") == Array("a".utf8))
    let new = try after.seal(Array("b".utf8), purpose: "p")
    #expect(new.keyVersion == 2)
    #expect(throws: EncryptionError.unknownKeyVersion(2)) { try before.open(new, purpose: "p") }
  }

  @Test func blindIndexesAreStablePerPurposeAndKey() throws {
    let ring = try MasterKeyRing(current: (1, oldKey))
    #expect(ring.blindIndex(Array("ci".utf8), purpose: "idp.ci") == ring.blindIndex(Array("ci".utf8), purpose: "idp.ci"))
    #expect(ring.blindIndex(Array("ci".utf8), purpose: "idp.ci") != ring.blindIndex(Array("ci".utf8), purpose: "other"))
    let other = try MasterKeyRing(current: (1, newKey))
    #expect(ring.blindIndex(Array("ci".utf8), purpose: "idp.ci") != other.blindIndex(Array("ci".utf8), purpose: "idp.ci"))
  }

  @Test func productionRequiresAWellFormedKey() throws {
    func load(_ env: [String: String], _ environment: DeploymentEnvironment) throws(ConfigurationError) -> MasterKeyRing {
      try MasterKeyRing.load(
        Settings(reader: .init(provider: EnvironmentVariablesProvider(environmentVariables: env))), environment: environment)
    }
    #expect(throws: ConfigurationError.self) { try load([:], .production) }
    #expect(throws: ConfigurationError.self) { try load(["GATEHOUSE_MASTER_KEY": "dG9vIHNob3J0"], .production) }
    let key = Data((0..<32).map { UInt8($0) }).base64EncodedString()
    #expect(try load(["GATEHOUSE_MASTER_KEY": key], .production).currentVersion == 1)
    #expect(try load([:], .local).currentVersion == 1)
  }
}
