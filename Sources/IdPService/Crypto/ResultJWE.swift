import Crypto
import Foundation
import Shared

/// A compact JWE (RFC 7516) with `alg: dir` and `enc: A256GCM` under an SP's 256-bit result key,
/// so any JOSE library opens it. No library in our dependency set writes JWE; the format is
/// five base64url parts: protected header, (empty) encrypted key, IV, ciphertext, tag, with the
/// protected header's encoding as the additional authenticated data.
enum ResultJWE {
  static func seal(_ plaintext: some DataProtocol, key: [UInt8], kid: String) throws -> String {
    let header = Base64URL.encode(Array(#"{"alg":"dir","enc":"A256GCM","kid":"\#(kid)"}"#.utf8))
    let nonce = try AES.GCM.Nonce(data: SecureRandom.bytes(12))
    let box = try AES.GCM.seal(plaintext, using: SymmetricKey(data: key), nonce: nonce, authenticating: Array(header.utf8))
    return [header, "", Base64URL.encode(Array(nonce)), Base64URL.encode(box.ciphertext), Base64URL.encode(box.tag)].joined(separator: ".")
  }
}

/// `X-Gatehouse-Signature: v1=<hex HMAC-SHA256 over "timestamp.delivery_id.body">` (docs/idp.md,
/// "Callback"), keyed with the webhook secret's 32 bytes (the base64url text printed once,
/// decoded). The delivery id is signed so that a captured callback cannot be replayed under
/// another id to get past an SP's de-duplication; the timestamp, so that an SP can refuse one
/// older than its tolerance (±5 minutes).
enum WebhookSignature {
  static func sign(body: String, deliveryID: UUID, timestamp: Int, secret: [UInt8]) -> String {
    "v1=" + Hex.encode(mac("\(timestamp).\(deliveryID.uuidString.lowercased()).\(body)", secret))
  }

  /// `webhook-signature` by Standard Webhooks (standardwebhooks.com), beside Gatehouse's own:
  /// `v1,` and the base64 HMAC-SHA256 over "id.timestamp.body" under the same key, the
  /// `webhook-id` being the delivery id; any Standard Webhooks library verifies it.
  static func standard(body: String, deliveryID: UUID, timestamp: Int, secret: [UInt8]) -> String {
    "v1," + Data(mac("\(deliveryID.uuidString.lowercased()).\(timestamp).\(body)", secret)).base64EncodedString()
  }

  /// HMAC-SHA256 of `signed` under the webhook key: both signatures' one computation.
  private static func mac(_ signed: String, _ secret: [UInt8]) -> HashedAuthenticationCode<SHA256> {
    HMAC<SHA256>.authenticationCode(for: Array(signed.utf8), using: SymmetricKey(data: secret))
  }
}
