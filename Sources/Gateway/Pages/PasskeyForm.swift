import Foundation
import NIOCore
import Shared

/// A passkey's answer as a page's script posts it (docs/passkeys.md, "On the pages"): the
/// ceremony's `challenge_id` and the browser's credential JSON in a form field `credential`.
enum PasskeyForm {
  /// The answer in `form`, nil when the form carries none (a code was typed instead).
  static func assertion(_ form: [String: String]) throws -> PasskeyAssertionBody? {
    guard let credential = form["credential"], !credential.isEmpty else { return nil }
    return PasskeyAssertionBody(challengeID: form["challenge_id"] ?? "", credential: try Self.credential(credential))
  }

  /// The credential JSON of a form field.
  static func credential(_ json: String) throws -> PasskeyCredential {
    guard json.utf8.count <= 64 * 1024, let credential = try? JSON.decode(PasskeyCredential.self, from: ByteBuffer(string: json)) else {
      throw PasskeyProblems.invalid.problem("The passkey's answer could not be read; try again.", field: "credential")
    }
    return credential
  }
}
