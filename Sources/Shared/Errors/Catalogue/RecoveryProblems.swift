/// E-mail verification and password reset (docs/recovery.md).
public enum RecoveryProblems: ProblemDomain {
  public static let name = "Account recovery"
  public static let summary = "Proving an e-mail address and setting a forgotten password, with links sent by mail."

  public static let linkInvalid = ProblemKind(
    "link_invalid", status: 400, title: "Unknown link",
    doc: "The token is not one Gatehouse sent (or was cut short when copied); open the link from the mail as it is.")
  public static let linkExpired = ProblemKind(
    "link_expired", status: 410, title: "Link expired",
    doc: "The link's time ran out (24 hours to verify an address, 30 minutes to reset a password); ask for a new one.")
  public static let linkUsed = ProblemKind(
    "link_used", status: 410, title: "Link already used",
    doc: "Each link works once, and a newer one replaces it; sign in, or ask for a new one.")
  public static let mailUnavailable = ProblemKind(
    "mail_unavailable", status: 503, title: "No mail",
    doc: "This deployment sends no mail (`GATEHOUSE_SMTP_HOST` is not set), so it cannot send the link; ask its operator.")
  public static let emailNotVerified = ProblemKind(
    "email_not_verified", status: 403, title: "Verify your e-mail first",
    doc: "The service asks for a verified e-mail address before sign-in; open the link mailed to the account, or ask for a new one.")
  public static let emailAlreadyVerified = ProblemKind(
    "email_already_verified", status: 409, title: "Already verified",
    doc: "The account's address is verified and no change is waiting; there is nothing to send.")

  public static let all = [linkInvalid, linkExpired, linkUsed, mailUnavailable, emailNotVerified, emailAlreadyVerified]
}
