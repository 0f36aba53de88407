/// Services (the apps Gatehouse signs people in to), their settings, members and audit log.
public enum ServiceAdminProblems: ProblemDomain {
  public static let name = "Services and their admins"
  public static let summary = "Creating and configuring services, their members and roles; reading their audit log."

  public static let forbidden = ProblemKind(
    "forbidden", status: 403, title: "Forbidden",
    doc: "The caller's platform or service role does not allow this; `detail` names the role or permission it needs.")
  public static let serviceClosed = PlatformProblems.serviceUnavailable.variant(
    status: 403,
    doc: "The service is inactive, suspended or banned, so nobody signs in to it; its owner or a SUPER_ADMIN can reopen it.")
  public static let serviceNotFound = ProblemKind(
    "service_not_found", status: 404, title: "Not found",
    doc: "No service has this slug (or it was deleted); check the slug.")
  public static let memberNotFound = ProblemKind(
    "member_not_found", status: 404, title: "Not found",
    doc: "The account is not a member of the service; add it first.")
  public static let slugTaken = ProblemKind(
    "slug_taken", status: 409, title: "Slug taken",
    doc: "Another service has this slug; choose another.")
  public static let emailVerificationUnavailable = ProblemKind(
    "email_verification_unavailable", status: 422, title: "E-mail verification unavailable",
    doc: "This deployment sends no mail (`GATEHOUSE_SMTP_HOST` unset), so `require_email_verification` can only be false.")

  public static let ownAccount = ProblemKind(
    "own_account", status: 403, title: "Not your own account",
    doc: "An admin cannot lock their own account: another SUPER_ADMIN does it, so one stolen session cannot lock its admin out.")

  public static let memberExists = ProblemKind(
    "member_exists", status: 409, title: "Already a member",
    doc: "The account is a member of the service already; change its role with PATCH .../users/{user_id}.")

  public static let all = [
    forbidden, serviceClosed, serviceNotFound, memberNotFound, slugTaken, emailVerificationUnavailable, ownAccount, memberExists,
  ]
}
