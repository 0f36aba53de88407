/// A service's plan (docs/admin.md, "Plans and quotas"): how many people may sign in to it each
/// month. The access token says it (`plan`), so an app can offer what its plan includes.
public enum ServicePlan: String, Codable, Sendable, CaseIterable {
  case free, pro, studio, enterprise
}
