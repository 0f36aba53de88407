/// Passkeys (WebAuthn): registering one, and signing in with it.
public enum PasskeyProblems: ProblemDomain {
  public static let name = "Passkeys"
  public static let summary = "Registering a passkey and signing in with one (WebAuthn): what the browser and authenticator sent, checked."

  public static let invalid = ProblemKind(
    "passkey_invalid", status: 400, title: "Malformed passkey response",
    doc: "The attestation object, authenticator data or client data could not be read; send the browser's response unchanged.")
  public static let wrongCeremony = ProblemKind(
    "passkey_wrong_ceremony", status: 400, title: "Wrong passkey ceremony",
    doc: "The client data's type is not this ceremony's (`webauthn.create` registers, `webauthn.get` signs in); use the matching call.")
  public static let challengeMismatch = ProblemKind(
    "passkey_challenge_mismatch", status: 400, title: "Wrong challenge",
    doc: "The response answers another challenge (an old or replayed one); start the ceremony again for a new challenge.")
  public static let originMismatch = ProblemKind(
    "passkey_origin_mismatch", status: 400, title: "Wrong origin",
    doc: "The ceremony ran on a page that is not one of the service's origins, or in a cross-origin frame; run it from the service's page.")
  public static let rpMismatch = ProblemKind(
    "passkey_rp_mismatch", status: 400, title: "Wrong relying party",
    doc: "The authenticator answered for another RP ID than the service's; ask the browser for the service's RP ID.")
  public static let userNotPresent = ProblemKind(
    "passkey_user_not_present", status: 400, title: "No user presence",
    doc: "The authenticator did not confirm a person was there (UP flag); try again and touch or unlock the authenticator.")
  public static let userNotVerified = ProblemKind(
    "passkey_user_not_verified", status: 400, title: "User not verified",
    doc: "The service requires user verification and the authenticator did not verify the person (UV flag); use a PIN or biometrics.")
  public static let unsupportedAlgorithm = ProblemKind(
    "passkey_unsupported_algorithm", status: 400, title: "Unsupported passkey algorithm",
    doc: "The passkey's key is not ES256 (P-256) or EdDSA (Ed25519); offer only those algorithms, or use another authenticator.")
  public static let signatureInvalid = ProblemKind(
    "passkey_signature_invalid", status: 401, title: "Invalid passkey signature",
    doc: "The signature does not verify with the registered key of this passkey; sign in again, or with another method.")
  public static let counterRegressed = ProblemKind(
    "passkey_counter_regressed", status: 401, title: "Passkey counter went back",
    doc: "The authenticator's signature counter is not above the last one seen, so the passkey may be cloned; remove it, register anew.")

  public static let ceremonyExpired = ProblemKind(
    "passkey_ceremony_expired", status: 400, title: "Passkey ceremony expired",
    doc: "The `challenge_id` is unknown, used, of another ceremony or older than 5 minutes; ask for new options and start again.")
  public static let unknownPasskey = ProblemKind(
    "passkey_unknown", status: 401, title: "Unknown passkey",
    doc: "No account has this passkey (it was removed, or registered elsewhere); sign in another way.")
  public static let alreadyRegistered = ProblemKind(
    "passkey_already_registered", status: 409, title: "Passkey already registered",
    doc: "This authenticator's credential is registered already; use it, or remove it first.")
  public static let notFound = ProblemKind(
    "passkey_not_found", status: 404, title: "Not found",
    doc: "The caller has no passkey with this id; list the passkeys for their ids.")

  public static let all = [
    invalid, wrongCeremony, challengeMismatch, originMismatch, rpMismatch, userNotPresent, userNotVerified, unsupportedAlgorithm,
    signatureInvalid, counterRegressed, ceremonyExpired, unknownPasskey, alreadyRegistered, notFound,
  ]
}
