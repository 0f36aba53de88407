// Services/: the applications (tenants) Gatehouse signs users in to.
import Foundation
import PostgresNIO
import Shared

/// A service as token-service's rules need it.
struct ServiceRecord: Sendable {
  let id: UUID
  let slug: String
  let name: String
  let status: String
  let autoCreateUser: Bool
  let deleted: Bool
  let clientID: String
  let accessTokenTTL: Int
  let refreshTokenTTL: Int
  let rememberMeTTL: Int
  let sessionLifetime: Int
  let allowedClientTypes: [String]
  let allowedOrigins: [String]

  let refreshGraceSeconds: Int
  /// The generation of the client secret; the service's own tokens carry it as `tv`, so a
  /// rotation of the secret revokes the tokens got with the old one.
  let secretVersion: Int
  /// As an OpenID client (docs/oidc.md): its registered redirect URIs, whether it is public
  /// (PKCE only, no secret), first-party (no consent asked), where RP-initiated logout may
  /// return to, its logo, its own scopes, and how its subjects are formed.
  let redirectURIs: [String]
  let publicClient: Bool
  let firstParty: Bool
  let postLogoutRedirectURIs: [String]
  let logoURL: String?
  let scopes: [String]
  /// The catalogue's words for `scopes`, position by position, and its default and required ones.
  let scopeDescriptionsKo: [String]
  let scopeDescriptionsEn: [String]
  let defaultScopes: [String]
  let requiredScopes: [String]
  let pairwiseSubjects: Bool
  let refreshWithoutOfflineAccess: Bool
  let subjectSalt: [UInt8]
  /// Every sign-in of the hosted pages must have passed a second factor.
  let requireMFA: Bool
  /// A password sign-in needs the account's address verified (docs/recovery.md).
  let requireEmailVerification: Bool
  /// What the service may use each month (docs/admin.md, "Plans and quotas").
  let plan: ServicePlan

  var summary: ServiceSummary { ServiceSummary(id: id, slug: slug, name: name, role: nil) }

  /// The SELECT list a record is read from, for a query that names `token.services` `alias`.
  static func columns(of alias: String) -> String {
    [
      "id", "slug", "name", "status", "auto_create_user", "deleted_at IS NOT NULL", "client_id", "access_token_ttl_seconds",
      "refresh_token_ttl_seconds", "remember_me_ttl_seconds", "session_absolute_lifetime_seconds", "allowed_client_types",
      "allowed_origins", "refresh_grace_seconds", "secret_version", "redirect_uris", "public_client", "first_party",
      "post_logout_redirect_uris", "logo_url", "scopes", "pairwise_subjects", "refresh_without_offline_access", "subject_salt",
      "require_mfa", "require_email_verification", "plan", "scope_descriptions_ko", "scope_descriptions_en", "default_scopes",
      "required_scopes",
    ].map { "\(alias).\($0)" }.joined(separator: ", ")
  }

  static let columnCount = 31

  /// Reads the `columns(of:)` list starting at column `first` of a row.
  init(_ c: PostgresRandomAccessRow, from first: Int) throws {
    id = try c[first].decode(UUID.self)
    slug = try c[first + 1].decode(String.self)
    name = try c[first + 2].decode(String.self)
    status = try c[first + 3].decode(String.self)
    autoCreateUser = try c[first + 4].decode(Bool.self)
    deleted = try c[first + 5].decode(Bool.self)
    clientID = try c[first + 6].decode(String.self)
    accessTokenTTL = try c[first + 7].decode(Int.self)
    refreshTokenTTL = try c[first + 8].decode(Int.self)
    rememberMeTTL = try c[first + 9].decode(Int.self)
    sessionLifetime = try c[first + 10].decode(Int.self)
    allowedClientTypes = try c[first + 11].decode([String].self)
    allowedOrigins = try c[first + 12].decode([String].self)
    refreshGraceSeconds = try c[first + 13].decode(Int.self)
    secretVersion = try c[first + 14].decode(Int.self)
    redirectURIs = try c[first + 15].decode([String].self)
    publicClient = try c[first + 16].decode(Bool.self)
    firstParty = try c[first + 17].decode(Bool.self)
    postLogoutRedirectURIs = try c[first + 18].decode([String].self)
    logoURL = try c[first + 19].decode(String?.self)
    scopes = try c[first + 20].decode([String].self)
    pairwiseSubjects = try c[first + 21].decode(Bool.self)
    refreshWithoutOfflineAccess = try c[first + 22].decode(Bool.self)
    subjectSalt = Array(try c[first + 23].decode(ByteBuffer.self).readableBytesView)
    requireMFA = try c[first + 24].decode(Bool.self)
    requireEmailVerification = try c[first + 25].decode(Bool.self)
    plan = ServicePlan(rawValue: try c[first + 26].decode(String.self)) ?? .free
    scopeDescriptionsKo = try c[first + 27].decode([String].self)
    scopeDescriptionsEn = try c[first + 28].decode([String].self)
    defaultScopes = try c[first + 29].decode([String].self)
    requiredScopes = try c[first + 30].decode([String].self)
  }

  /// The consent page's words for each of the service's own scopes.
  var scopeWords: [String: ScopeWords] {
    var words: [String: ScopeWords] = [:]
    for (index, scope) in scopes.enumerated() where index < scopeDescriptionsKo.count && index < scopeDescriptionsEn.count {
      words[scope] = ScopeWords(ko: scopeDescriptionsKo[index], en: scopeDescriptionsEn[index])
    }
    return words
  }

  /// A sign-in with `emailVerified` may proceed: `email_not_verified` when the service asks for a
  /// verified address (docs/recovery.md), said only after the proof (password or passkey).
  func admits(emailVerified: Bool) throws(Problem) {
    guard requireEmailVerification, !emailVerified else { return }
    throw RecoveryProblems.emailNotVerified.problem("\(name) asks for a verified e-mail address; open the link mailed to it.")
  }

  /// A service users may sign up to and sign in to now.
  func requireOpen() throws(Problem) {
    guard !deleted else { throw ServiceAdminProblems.serviceNotFound.problem("No service named \(slug).") }
    guard status == "active" else {
      throw ServiceAdminProblems.serviceClosed.problem("The service \(slug) is \(status).")
    }
  }
}

/// What `admin create-service` (and the local demo) creates.
struct NewService: Sendable {
  var slug: String
  var name: String
  var type: String
  var allowedOrigins: [String]
  var redirectURIs: [String]
  var socialProviders: [String]

  static let types: Set<String> = ["web", "mobile", "desktop", "api", "admin"]

  func validate(environment: DeploymentEnvironment) throws(Problem) {
    guard slug.wholeMatch(of: /[a-z0-9][a-z0-9-]{1,62}/) != nil else {
      throw RequestProblems.invalidField.problem(
        "A slug is 2 to 63 lowercase letters, digits and '-', not starting with '-'.",
        field: "slug")
    }
    guard slug != AccountConsoleClient.slug else {
      throw RequestProblems.invalidField.problem("The slug \(slug) is Gatehouse's own.", field: "slug")
    }
    guard (1...200).contains(name.count) else {
      throw RequestProblems.invalidField.problem("A name has 1 to 200 characters.", field: "name")
    }
    guard Self.types.contains(type) else {
      throw RequestProblems.invalidField.problem("type is one of \(Self.types.sorted().joined(separator: ", ")).", field: "type")
    }
    try Self.checkOrigins(allowedOrigins)
    try Self.checkRedirectURIs(redirectURIs, environment: environment)
  }

  static func checkOrigins(_ origins: [String]) throws(Problem) {
    for origin in origins {
      guard let url = URL(string: origin), ["http", "https"].contains(url.scheme ?? ""), url.host != nil,
        url.path.isEmpty, url.query == nil
      else {
        throw RequestProblems.invalidField.problem("\(origin) is not an origin (scheme://host[:port]).", field: "allowed_origins")
      }
    }
  }

  /// Each must pass `RedirectURIRule`: https, a native app's private-use scheme, or (outside
  /// production) http to the loopback address.
  static func checkRedirectURIs(_ uris: [String], environment: DeploymentEnvironment) throws(Problem) {
    for uri in uris {
      if let refusal = RedirectURIRule.refusal(uri, loopbackHTTP: environment != .production) {
        throw RequestProblems.invalidField.problem("The redirect URI \(uri) \(refusal).", field: "redirect_uris")
      }
    }
  }
}
