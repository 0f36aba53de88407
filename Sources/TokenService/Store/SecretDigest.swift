import Crypto
import NIOCore

/// How token-service keeps a secret it handed out (refresh tokens, authorization codes, browser
/// session cookies): 256 random bits need no salt or stretching, so their SHA-256 is stored and
/// compared.
enum SecretDigest {
  static func sha256(_ secret: String) -> ByteBuffer { ByteBuffer(bytes: SHA256.hash(data: Array(secret.utf8))) }
}
