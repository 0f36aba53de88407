/// The second factor (TOTP and backup codes): enrolment, sign-in challenges and step-up.
public enum MFAProblems: ProblemDomain {
  public static let name = "Second factor (MFA)"
  public static let summary = "TOTP enrolment, the second step of a sign-in, and routes that need a recent second factor."

  public static let mfaRequired = ProblemKind(
    "mfa_required", status: 401, title: "Second factor required",
    doc: "The password was right and the account has a second factor; send a code with the answer's `mfa_token` to "
      + "`/api/v1/auth/mfa/verify` before `mfa_expires_in` seconds pass.")
  public static let invalidMFAToken = ProblemKind(
    "invalid_mfa_token", status: 401, title: "Invalid MFA token",
    doc: "The `mfa_token` is unknown, used or expired; sign in again.")
  public static let invalidMFACode = ProblemKind(
    "invalid_mfa_code", status: 401, title: "Wrong code",
    doc: "The authenticator or backup code is wrong or already used; repeated failures lock the second factor (`mfa_locked`).")
  public static let enrolmentCodeWrong = invalidMFACode.variant(
    status: 422,
    doc: "The code that confirms a TOTP enrolment does not match; check the device's clock and send the current code.")
  public static let enrolmentNeedsSignIn = AccountProblems.reauthenticationRequired.variant(
    title: "Sign in again",
    doc: "TOTP enrolment starts within 10 minutes of signing in; sign in again first.")
  public static let ownSecondFactor = ProblemKind(
    "own_second_factor", status: 403, title: "Your own second factor",
    doc: "An admin reset of a second factor cannot target the admin's own; turn your own off with a code instead.")
  public static let mfaStepUpRequired = ProblemKind(
    "mfa_step_up_required", status: 403, title: "Recent second factor required",
    doc: "Admin routes need a session that passed the second factor in the last 30 minutes; step up at `/api/v1/auth/mfa/verify`.")
  public static let mfaRequiredByService = ProblemKind(
    "mfa_required_by_service", status: 403, title: "Second factor required",
    doc: "The service requires its admins to have passed the second factor in the last 30 minutes; enrol TOTP and step up.")
  public static let mfaAlreadyEnabled = ProblemKind(
    "mfa_already_enabled", status: 409, title: "MFA already enabled",
    doc: "The account has a second factor already; turn it off first to enrol a new device.")
  public static let mfaNotEnabled = ProblemKind(
    "mfa_not_enabled", status: 409, title: "MFA not enabled",
    doc: "The account has no second factor to use, turn off or reset.")
  public static let mfaNotEnrolling = ProblemKind(
    "mfa_not_enrolling", status: 409, title: "No enrolment",
    doc: "No TOTP enrolment is in progress to confirm; start one with `POST /api/v1/users/me/mfa/totp`.")
  public static let mfaLocked = ProblemKind(
    "mfa_locked", status: 423, title: "Second factor locked",
    doc: "Too many wrong codes; try again at the time `detail` gives.")

  public static let all = [
    mfaRequired, invalidMFAToken, invalidMFACode, enrolmentCodeWrong, enrolmentNeedsSignIn, ownSecondFactor, mfaStepUpRequired,
    mfaRequiredByService, mfaAlreadyEnabled, mfaNotEnabled, mfaNotEnrolling, mfaLocked,
  ]
}
