import Crypto
import Foundation
import Synchronization

/// The master keys secrets at rest are encrypted under (docs/keys.md). Each has a version;
/// one is current and encrypts, the others only decrypt, so keys rotate without downtime:
/// deploy the new key as current with the old one listed as previous, re-encrypt at leisure,
/// then drop the old one.
///
/// Nothing is encrypted under a master key directly: every purpose (`"token.signing_key"`,
/// `"idp.ci"`, ...) gets its own data key derived with HKDF-SHA256, and blind indexes get a
/// separate derived HMAC key, so one leaked data key exposes one kind of secret only.
public struct MasterKeyRing: Sendable {
  public let currentVersion: Int
  /// Raw key bytes by version (SymmetricKey is not Sendable; keys are rebuilt per use).
  private let keys: [Int: [UInt8]]
  /// Derived keys by version and info: HKDF per use was ~2% of idp-service's CPU under load.
  /// The purposes are a fixed set of names in the code, so this stays small.
  private let derived = DerivedKeys()

  public init(current: (version: Int, key: SymmetricKey), previous: [Int: SymmetricKey] = [:]) throws(ConfigurationError) {
    guard current.key.bitCount == 256 else {
      throw ConfigurationError(name: "GATEHOUSE_MASTER_KEY", problem: "must be 32 bytes, base64-encoded")
    }
    var keys = previous.mapValues(Self.bytes)
    keys[current.version] = Self.bytes(current.key)
    self.keys = keys
    self.currentVersion = current.version
  }

  /// A fixed, publicly known key for `GATEHOUSE_ENV=local` and tests only. Never for real data.
  public static var localDemoKey: SymmetricKey { SymmetricKey(data: Array("gatehouse-local-demo-master-key!".utf8)) }

  private static func bytes(_ key: SymmetricKey) -> [UInt8] {
    key.withUnsafeBytes { Array($0) }
  }

  /// The key ring from `GATEHOUSE_MASTER_KEY` (or `_FILE`), `GATEHOUSE_MASTER_KEY_VERSION`
  /// (default 1) and `GATEHOUSE_MASTER_KEYS_PREVIOUS` (`version:base64,...`). Outside local and
  /// test environments a missing key stops start-up.
  public static func load(_ settings: Settings, environment: DeploymentEnvironment) throws(ConfigurationError) -> MasterKeyRing {
    let version = try settings.int("GATEHOUSE_MASTER_KEY_VERSION", default: 1, range: 1...1_000_000)
    let current: SymmetricKey
    if let encoded = try settings.secret("GATEHOUSE_MASTER_KEY") {
      current = try decode(encoded, name: "GATEHOUSE_MASTER_KEY")
    } else if environment != .production {
      current = localDemoKey
    } else {
      throw ConfigurationError(name: "GATEHOUSE_MASTER_KEY", problem: "is required (32 random bytes, base64): openssl rand -base64 32")
    }
    var previous: [Int: SymmetricKey] = [:]
    for entry in (try settings.secret("GATEHOUSE_MASTER_KEYS_PREVIOUS") ?? "").split(separator: ",") {
      let parts = entry.split(separator: ":", maxSplits: 1)
      guard parts.count == 2, let number = Int(parts[0]), number != version else {
        throw ConfigurationError(
          name: "GATEHOUSE_MASTER_KEYS_PREVIOUS",
          problem: "expected version:base64 pairs separated by commas, with versions other than the current one")
      }
      previous[number] = try decode(String(parts[1]), name: "GATEHOUSE_MASTER_KEYS_PREVIOUS")
    }
    return try MasterKeyRing(current: (version, current), previous: previous)
  }

  private static func decode(_ text: String, name: String) throws(ConfigurationError) -> SymmetricKey {
    guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), data.count == 32 else {
      throw ConfigurationError(name: name, problem: "must be 32 bytes, base64-encoded")
    }
    return SymmetricKey(data: data)
  }

  /// Encrypts `plaintext` for `purpose` under the current key with AES-256-GCM. `context` (a row
  /// id, say) is authenticated but not stored: a ciphertext moved to another row fails to open.
  public func seal(_ plaintext: some DataProtocol, purpose: String, context: String = "") throws -> EncryptedValue {
    let key = dataKey(version: currentVersion, purpose: purpose)
    let box = try AES.GCM.seal(plaintext, using: key, authenticating: Array(context.utf8))
    guard let combined = box.combined else { throw CryptoKitError.incorrectParameterSize }
    return EncryptedValue(keyVersion: currentVersion, sealed: Array(combined))
  }

  /// Decrypts a value sealed by `seal` with the same purpose and context, under whichever key
  /// version it names.
  public func open(_ value: EncryptedValue, purpose: String, context: String = "") throws -> [UInt8] {
    guard keys[value.keyVersion] != nil else { throw EncryptionError.unknownKeyVersion(value.keyVersion) }
    let key = dataKey(version: value.keyVersion, purpose: purpose)
    do {
      return Array(try AES.GCM.open(AES.GCM.SealedBox(combined: value.sealed), using: key, authenticating: Array(context.utf8)))
    } catch {
      throw EncryptionError.tampered
    }
  }

  /// A deterministic keyed hash for looking up an encrypted value (unique CI, say) without
  /// decrypting: HMAC-SHA256 under a key derived for blind indexes of `purpose`, always from
  /// the current master key (rotating it means recomputing the index).
  public func blindIndex(_ value: some DataProtocol, purpose: String) -> [UInt8] {
    let key = derive(from: currentVersion, info: "gatehouse blind index v1 \(purpose)")
    return Array(HMAC<SHA256>.authenticationCode(for: value, using: key))
  }

  private func dataKey(version: Int, purpose: String) -> SymmetricKey {
    derive(from: version, info: "gatehouse data key v1 \(purpose)")
  }

  private func derive(from version: Int, info: String) -> SymmetricKey {
    let name = "\(version) \(info)"
    if let bytes = derived.bytes.withLock({ $0[name] }) { return SymmetricKey(data: bytes) }
    // Callers reach here only with a version present in `keys` (checked in `open`; the
    // current version is always present), so the fallback is never taken.
    let master = keys[version].map { SymmetricKey(data: $0) } ?? SymmetricKey(size: .bits256)
    let key = HKDF<SHA256>.deriveKey(
      inputKeyMaterial: master, salt: Array("gatehouse".utf8), info: Array(info.utf8), outputByteCount: 32)
    derived.bytes.withLock { $0[name] = Self.bytes(key) }
    return key
  }
}

/// Shared by copies of one key ring (it is a struct), so a derivation is done once per process.
private final class DerivedKeys: Sendable {
  let bytes = Mutex<[String: [UInt8]]>([:])
}

/// A secret at rest: which master key version sealed it, and nonce ‖ ciphertext ‖ tag.
public struct EncryptedValue: Sendable, Equatable {
  public let keyVersion: Int
  public let sealed: [UInt8]

  public init(keyVersion: Int, sealed: [UInt8]) {
    self.keyVersion = keyVersion
    self.sealed = sealed
  }
}

public enum EncryptionError: Error, Sendable, Equatable {
  case unknownKeyVersion(Int)
  case tampered
}
