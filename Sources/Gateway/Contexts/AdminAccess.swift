import Shared

/// Who may use the admin routes. The gateway checks the platform role and a recent second
/// factor; the owning service decides what the caller may touch (docs/admin.md).
enum AdminAccess {
  /// The caller of an admin route that needs a platform role: a signed-in SUPER_ADMIN or
  /// SERVICE_ADMIN (403 for anyone else). The owning service decides what a SERVICE_ADMIN may touch.
  static func platformAdmin(_ claims: AccessTokenClaims) throws -> AdminActor {
    let allowed: Set<PlatformRole> = [.superAdmin, .serviceAdmin]
    guard let role = PlatformRole(rawValue: claims.platformRole ?? ""), allowed.contains(role) else {
      throw ServiceAdminProblems.forbidden.problem("This needs one of \(allowed.map(\.rawValue).sorted().joined(separator: ", ")).")
    }
    return try session(claims)
  }

  /// The caller of an admin route of one service: any signed-in user (the service decides by
  /// platform role, ownership or the permissions of the token for it), with a recent second
  /// factor when MFA is on: someone who has MFA on must have passed it within the last 30
  /// minutes in this session (403 `mfa_step_up_required` otherwise; the step-up is
  /// `POST /api/v1/auth/mfa/verify` with the access token and a code).
  static func session(_ claims: AccessTokenClaims) throws -> AdminActor {
    let actor = AdminActor(claims: claims)
    if claims.mfaEnabled == true, !actor.passedMFARecently() { throw stepUpRequired }
    return actor
  }

  static let stepUpRequired = MFAProblems.mfaStepUpRequired.problem(
    "Admin routes need a session that passed MFA in the last 30 minutes: POST /api/v1/auth/mfa/verify with a code.")
}
