import Foundation
import PostgresNIO
import Shared

/// The rules of a service's settings, for the admin API: each field checked and named when it
/// breaks one; `columns` turns the fields present into the SQL columns to write.
enum ServiceSettingsRules {
  static let providers = Set(SocialProviderNames.all)
  static let statuses: Set<String> = ["active", "inactive", "suspended", "maintenance"]
  static let clientTypes: Set<String> = ["web", "mobile", "native"]

  static func check(
    _ body: ServiceSettingsBody, creating: Bool, environment: DeploymentEnvironment, canMail: Bool
  ) throws(Problem) {
    if creating {
      guard let slug = body.slug else { throw missing("slug") }
      guard body.name != nil else { throw missing("name") }
      guard body.type != nil else { throw missing("type") }
      guard slug.wholeMatch(of: /[a-z0-9][a-z0-9-]{1,62}/) != nil else {
        throw RequestProblems.invalidField.problem(
          "A slug is 2 to 63 lowercase letters, digits and '-', not starting with '-'.",
          field: "slug")
      }
    } else if body.slug != nil {
      throw RequestProblems.invalidField.problem("A service's slug does not change (tokens name it).", field: "slug")
    }
    if let name = body.name, !(1...200).contains(name.count) {
      throw RequestProblems.invalidField.problem(
        "A name has 1 to 200 characters.", field: "name")
    }
    if let type = body.type, !NewService.types.contains(type) {
      throw RequestProblems.invalidField.problem(
        "type is one of \(NewService.types.sorted().joined(separator: ", ")).",
        field: "type")
    }
    if let status = body.status, !statuses.contains(status) {
      throw RequestProblems.invalidField.problem("status is one of \(statuses.sorted().joined(separator: ", ")).", field: "status")
    }
    try NewService.checkOrigins(body.allowedOrigins ?? [])
    try NewService.checkRedirectURIs(body.redirectURIs ?? [], environment: environment)
    for provider in body.socialProviders ?? [] where !providers.contains(provider) {
      throw RequestProblems.invalidField.problem(
        "\(provider) is not a known provider (\(providers.sorted().joined(separator: ", "))).", field: "social_providers")
    }
    if let types = body.allowedClientTypes, types.isEmpty || !Set(types).isSubset(of: clientTypes) {
      throw RequestProblems.invalidField.problem(
        "allowed_client_types is a non-empty list of web, mobile, native.",
        field: "allowed_client_types")
    }
    for (field, value, range) in [
      ("access_token_ttl_seconds", body.accessTokenTTLSeconds, 60...86_400),
      ("refresh_token_ttl_seconds", body.refreshTokenTTLSeconds, 300...31_536_000),
      ("session_idle_timeout_seconds", body.sessionIdleTimeoutSeconds, 300...31_536_000),
      ("session_absolute_lifetime_seconds", body.sessionAbsoluteLifetimeSeconds, 300...31_536_000),
    ] {
      if let value, !range.contains(value) {
        throw RequestProblems.invalidField.problem("\(field) is \(range.lowerBound) to \(range.upperBound).", field: field)
      }
    }
    // Without mail no address can be verified: a setting that would lock everyone out is refused.
    if body.requireEmailVerification == true, !canMail {
      throw ServiceAdminProblems.emailVerificationUnavailable.problem(
        "This deployment sends no mail (GATEHOUSE_SMTP_HOST is not set), so no address can be verified; "
          + "require_email_verification can only be false.",
        field: "require_email_verification")
    }
    try checkOpenIDClient(body, environment: environment)
    if let owner = body.ownerUserID, UUID(uuidString: owner) == nil {
      throw RequestProblems.invalidField.problem("owner_user_id is a user id.", field: "owner_user_id")
    }
  }

  static func missing(_ field: String) -> Problem {
    RequestProblems.missingField.problem("\(field) is required.", field: field)
  }

  /// The columns to write for the fields present, and their values bound as $1, $2, ... in order.
  static func columns(_ body: ServiceSettingsBody) throws -> (names: [String], binds: PostgresBindings) {
    var names: [String] = []
    var binds = PostgresBindings()
    func add<T: PostgresEncodable>(_ column: String, _ value: T?) throws {
      guard let value else { return }
      names.append(column)
      try binds.append(value)
    }
    try add("slug", body.slug)
    try add("name", body.name)
    try add("type", body.type)
    try add("status", body.status)
    try add("allowed_origins", body.allowedOrigins)
    try add("redirect_uris", body.redirectURIs)
    try add("social_providers", body.socialProviders)
    try add("allowed_client_types", body.allowedClientTypes)
    try add("access_token_ttl_seconds", body.accessTokenTTLSeconds)
    try add("refresh_token_ttl_seconds", body.refreshTokenTTLSeconds)
    try add("session_idle_timeout_seconds", body.sessionIdleTimeoutSeconds)
    try add("session_absolute_lifetime_seconds", body.sessionAbsoluteLifetimeSeconds)
    try add("auto_create_user", body.autoCreateUser)
    try add("require_email_verification", body.requireEmailVerification)
    try add("require_admin_mfa", body.requireAdminMFA)
    try add("owner_user_id", body.ownerUserID.flatMap(UUID.init(uuidString:)))
    try add("public_client", body.publicClient)
    try add("post_logout_redirect_uris", body.postLogoutRedirectURIs)
    // An empty logo_url removes the logo.
    if let logo = body.logoURL {
      names.append("logo_url")
      if logo.isEmpty { binds.appendNull() } else { binds.append(logo) }
    }
    try add("pairwise_subjects", body.pairwiseSubjects)
    try add("scopes", body.scopes)
    if let catalogue = body.scopeCatalogue {
      try add("scope_descriptions_ko", catalogue.map(\.descriptionKo))
      try add("scope_descriptions_en", catalogue.map(\.descriptionEn))
      try add("default_scopes", catalogue.filter { $0.isDefault || $0.isRequired }.map(\.name))
      try add("required_scopes", catalogue.filter(\.isRequired).map(\.name))
    }
    try add("refresh_without_offline_access", body.refreshWithoutOfflineAccess)
    try add("require_mfa", body.requireMFA)
    try add("plan", body.plan?.rawValue)
    return (names, binds)
  }
}

extension ServiceSettingsRules {
  /// A service's own scopes: lowercase words with `:`, `.`, `_` or `-`, never a standard scope.
  static func checkOpenIDClient(_ body: ServiceSettingsBody, environment: DeploymentEnvironment) throws(Problem) {
    for uri in body.postLogoutRedirectURIs ?? [] {
      if let refusal = RedirectURIRule.refusal(uri, loopbackHTTP: environment != .production) {
        throw RequestProblems.invalidField.problem("The post-logout redirect URI \(uri) \(refusal).", field: "post_logout_redirect_uris")
      }
    }
    if let logo = body.logoURL, !logo.isEmpty {
      guard logo.count <= 2048, let url = URL(string: logo), url.scheme == "https", url.host != nil else {
        throw RequestProblems.invalidField.problem("logo_url is an https URL of at most 2048 characters.", field: "logo_url")
      }
    }
    for scope in body.scopes ?? [] {
      guard scope.wholeMatch(of: /[a-z][a-z0-9:._-]{0,63}/) != nil, !AuthorizationRequestRules.standardScopes.contains(scope) else {
        throw RequestProblems.invalidField.problem(
          "\(scope) is not a scope a service may define (lowercase, up to 64 of a-z 0-9 : . _ -, not a standard scope).",
          field: "scopes")
      }
    }
  }
}
