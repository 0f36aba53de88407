import Shared

/// Passkeys (docs/passkeys.md): registering and managing the caller's, signing in with one.
enum PasskeyAPI {
  static let problems = RequestProblems.all + PlatformProblems.all + PasskeyProblems.all + AccountProblems.all + SignInProblems.all

  static let operations: [APIOperation] = [
    .init(
      .post, "/api/v1/users/me/passkeys/options", tag: "Passkeys",
      "Options to register a passkey (first-party app; `current_password` or a second factor in the last 10 minutes)",
      security: [.bearer], request: .json(PasskeyOptionsBody.self), answers: [.ok(TokenRPC.passkeyRegistrationOptions)],
      problems: problems),
    .init(
      .post, "/api/v1/users/me/passkeys", tag: "Passkeys", "Register the passkey the browser made from the options",
      security: [.bearer], request: .json(RegisterPasskeyBody.self), answers: [.ok(TokenRPC.registerPasskey, "Created", status: 201)],
      problems: problems),
    .init(
      .get, "/api/v1/users/me/passkeys", tag: "Passkeys", "The caller's passkeys", security: [.bearer],
      answers: [.ok(TokenRPC.passkeys)], problems: problems),
    .init(
      .patch, "/api/v1/users/me/passkeys/:id", tag: "Passkeys", "Rename a passkey", security: [.bearer],
      request: .json(RenamePasskeyBody.self), answers: [.ok(TokenRPC.renamePasskey)], problems: problems),
    .init(
      .delete, "/api/v1/users/me/passkeys/:id", tag: "Passkeys",
      "Remove a passkey (`current_password` in the body, or a second factor in the last 10 minutes)", security: [.bearer],
      request: .json(PasskeyOptionsBody.self), answers: [.noContent()], problems: problems),
    .init(
      .post, "/api/v1/auth/passkey/options", tag: "Passkeys", "Options to sign in to a service with a passkey",
      request: .json(PasskeySignInOptionsBody.self), answers: [.ok(TokenRPC.passkeySignInOptions)], problems: problems),
    .init(
      .post, "/api/v1/auth/passkey", tag: "Passkeys", "Sign in with the passkey's answer to the options",
      request: .json(PasskeySignInBody.self),
      answers: [.tokens], problems: problems + MFAProblems.all + RecoveryProblems.all),
    .init(
      .post, "/api/v1/auth/mfa/passkey/options", tag: "Second factor",
      "Options for a passkey as the second step of the sign-in an mfa_token waits on (answer with `passkey` at /api/v1/auth/mfa/verify)",
      request: .json(MFAPasskeyOptionsBody.self), answers: [.ok(TokenRPC.mfaPasskeyOptions)], problems: problems + MFAProblems.all),
  ]
}
