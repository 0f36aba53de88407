// Providers/: the provider catalog (data, not a class per provider), the outbound HTTP to
// providers, ID token validation and profile normalisation.
import Foundation

/// One sign-in provider as data: its endpoints, scopes, client, and how its profile JSON maps
/// to Gatehouse's normalised profile. Every URL can be overridden by configuration.
struct ProviderEntry: Sendable {
  enum Kind: String, Sendable {
    /// OpenID Connect: an ID token is validated (signature from the JWKS, iss, aud, exp, nonce).
    case oidc
    /// Plain OAuth 2.0: identity from the profile endpoint.
    case oauth2
  }

  /// How the client authenticates at the token endpoint.
  enum ClientAuthentication: Sendable {
    case formFields
    case basic
  }

  let name: String
  var displayName: String
  let kind: Kind
  /// OIDC: the expected `iss`; with no endpoints given, also where discovery is read from.
  var issuer: String?
  var authorizeURL: String?
  var tokenURL: String?
  var userinfoURL: String?
  /// GitHub: the list of addresses with their `verified` flags.
  var emailsURL: String?
  var jwksURL: String?
  var scopes: [String]
  var clientID: String?
  var clientSecret: String?
  /// Apple: the client secret is an ES256 JWT made from these (see `AppleClientSecret`).
  var appleSigning: AppleClientSecret?
  var clientAuthentication: ClientAuthentication = .formFields
  /// Apple: `form_post` (the callback is a POST, and the name comes in its `user` field).
  var responseMode: String?
  /// GitHub answers form-encoded token responses unless asked for JSON.
  var tokenAcceptJSON = false
  /// Naver answers token requests sent as a GET with query parameters too; all take a POST.
  var mapping: ProfileMapping

  /// Configured: it has a client (an id, and a secret or Apple's signing key) and the endpoints it needs.
  var isConfigured: Bool {
    guard clientID != nil, clientSecret != nil || appleSigning != nil else { return false }
    switch kind {
    case .oidc: return issuer != nil || (authorizeURL != nil && tokenURL != nil && jwksURL != nil)
    case .oauth2: return authorizeURL != nil && tokenURL != nil && userinfoURL != nil
    }
  }
}

/// Where the fields of the normalised profile are in a provider's profile JSON: dotted paths
/// (`kakao_account.email`, `response.id`, `picture.data.url`).
struct ProfileMapping: Sendable {
  var id: String
  var email: String?
  /// The path of the provider's "this e-mail is verified" flag; nil when the provider gives
  /// none, so its e-mails count as unverified (and never link to an existing account).
  var emailVerified: String?
  var firstName: String?
  var lastName: String?
  var fullName: String?
  var avatarURL: String?
  var locale: String?
  var username: String?
  /// Discord: the avatar URL is built from the id and the avatar hash: `{id}`, `{avatar}`.
  var avatarTemplate: String?
}
