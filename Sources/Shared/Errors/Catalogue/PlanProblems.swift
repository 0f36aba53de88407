/// Plans and quotas: what a service's plan allows each month.
public enum PlanProblems: ProblemDomain {
  public static let name = "Plans and quotas"
  public static let summary =
    "A service's plan limits how many people may sign in to it, and a service provider's how many verifications it asks for, "
    + "each calendar month (UTC)."

  public static let quotaExceeded = ProblemKind(
    "quota_exceeded", status: 403, title: "Monthly quota reached",
    doc: "The service's plan admits no more monthly active users this month; people who signed in this month still may.")

  public static let verificationQuotaExceeded = quotaExceeded.variant(
    title: "Monthly verifications reached",
    doc: "The service provider's plan admits no more verification requests this month (UTC); ask the operator for a larger plan.")

  public static let all = [quotaExceeded, verificationQuotaExceeded]
}
