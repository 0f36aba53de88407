import Foundation
import Shared

/// The client data of WebAuthn Level 2 section 5.8.1: the JSON the browser writes about a
/// ceremony (which one, the challenge it was given, the origin of the page) and that the
/// authenticator signs a hash of. Only the members the relying party checks are read; others
/// (`topOrigin`, `tokenBinding`, members a later level adds) are ignored. Token binding is not
/// checked: no browser sends it and Level 3 removed it.
struct CollectedClientData: Sendable, Equatable {
  /// `webauthn.create` at registration, `webauthn.get` at sign-in.
  let type: String
  /// The challenge as the browser sent it (base64url without padding).
  let challenge: String
  /// The challenge's bytes; the encoding is refused unless it is the canonical one of them.
  let challengeBytes: [UInt8]
  /// The page's origin, e.g. `https://example.com`.
  let origin: String
  /// True when the ceremony ran in a frame of another origin; absent means false.
  let crossOrigin: Bool?

  private struct Wire: Decodable {
    let type: String
    let challenge: String
    let origin: String
    let crossOrigin: Bool?
  }

  /// Decodes `json`, the clientDataJSON bytes exactly as the browser sent them.
  init(json: [UInt8]) throws(Problem) {
    let wire: Wire
    do {
      wire = try JSONDecoder().decode(Wire.self, from: Data(json))
    } catch {
      throw PasskeyProblems.invalid.problem("clientDataJSON is not JSON with type, challenge and origin.")
    }
    guard let bytes = Base64URL.decode(wire.challenge), Base64URL.encode(bytes) == wire.challenge else {
      throw PasskeyProblems.invalid.problem("The client data's challenge is not base64url without padding.")
    }
    type = wire.type
    challenge = wire.challenge
    challengeBytes = bytes
    origin = wire.origin
    crossOrigin = wire.crossOrigin
  }
}
