import Foundation
import Shared

/// The built-in providers and what configuration changes about them. For each provider NAME
/// (upper case), `GATEHOUSE_SOCIAL_<NAME>_CLIENT_ID` and `_CLIENT_SECRET` (or `_CLIENT_SECRET_FILE`)
/// enable it; `_ISSUER`, `_AUTHORIZE_URL`, `_TOKEN_URL`, `_USERINFO_URL`, `_EMAILS_URL`,
/// `_JWKS_URL`, `_SCOPES` (space-separated) and `_DISPLAY_NAME` (its button's label) override its defaults. Apple takes `_TEAM_ID`,
/// `_KEY_ID` and `_PRIVATE_KEY` (PEM, or `_PRIVATE_KEY_FILE`) instead of a secret. The generic
/// `oidc` entry needs only `_ISSUER`, `_CLIENT_ID` and `_CLIENT_SECRET`.
struct ProviderCatalog: Sendable {
  let entries: [String: ProviderEntry]

  func entry(_ name: String) -> ProviderEntry? { entries[name] }

  static let builtIn: [ProviderEntry] = [
    ProviderEntry(
      name: "google", displayName: "Google", kind: .oidc, issuer: "https://accounts.google.com",
      scopes: ["openid", "email", "profile"],
      mapping: ProfileMapping(
        id: "sub", email: "email", emailVerified: "email_verified", firstName: "given_name",
        lastName: "family_name", fullName: "name", avatarURL: "picture", locale: "locale")),
    ProviderEntry(
      name: "kakao", displayName: "Kakao", kind: .oauth2,
      authorizeURL: "https://kauth.kakao.com/oauth/authorize", tokenURL: "https://kauth.kakao.com/oauth/token",
      userinfoURL: "https://kapi.kakao.com/v2/user/me",
      scopes: ["profile_nickname", "profile_image", "account_email"],
      mapping: ProfileMapping(
        id: "id", email: "kakao_account.email", emailVerified: "kakao_account.is_email_verified",
        fullName: "kakao_account.name|kakao_account.profile.nickname", avatarURL: "kakao_account.profile.profile_image_url",
        username: "kakao_account.profile.nickname")),
    ProviderEntry(
      name: "naver", displayName: "Naver", kind: .oauth2,
      authorizeURL: "https://nid.naver.com/oauth2.0/authorize", tokenURL: "https://nid.naver.com/oauth2.0/token",
      userinfoURL: "https://openapi.naver.com/v1/nid/me",
      scopes: [],
      mapping: ProfileMapping(
        id: "response.id", email: "response.email", fullName: "response.name",
        avatarURL: "response.profile_image", username: "response.nickname")),
    ProviderEntry(
      name: "github", displayName: "GitHub", kind: .oauth2,
      authorizeURL: "https://github.com/login/oauth/authorize", tokenURL: "https://github.com/login/oauth/access_token",
      userinfoURL: "https://api.github.com/user", emailsURL: "https://api.github.com/user/emails",
      scopes: ["read:user", "user:email"], tokenAcceptJSON: true,
      mapping: ProfileMapping(
        id: "id", email: "email", emailVerified: "email_verified", fullName: "name", avatarURL: "avatar_url",
        username: "login")),
    ProviderEntry(
      name: "facebook", displayName: "Facebook", kind: .oauth2,
      authorizeURL: "https://www.facebook.com/v19.0/dialog/oauth", tokenURL: "https://graph.facebook.com/v19.0/oauth/access_token",
      userinfoURL: "https://graph.facebook.com/v19.0/me?fields=id,name,email,first_name,last_name,picture",
      scopes: ["email", "public_profile"],
      mapping: ProfileMapping(
        id: "id", email: "email", firstName: "first_name", lastName: "last_name", fullName: "name",
        avatarURL: "picture.data.url")),
    ProviderEntry(
      name: "apple", displayName: "Apple", kind: .oidc, issuer: "https://appleid.apple.com",
      authorizeURL: "https://appleid.apple.com/auth/authorize", tokenURL: "https://appleid.apple.com/auth/token",
      jwksURL: "https://appleid.apple.com/auth/keys",
      scopes: ["name", "email"], responseMode: "form_post",
      mapping: ProfileMapping(
        id: "sub", email: "email", emailVerified: "email_verified", firstName: "user.name.firstName",
        lastName: "user.name.lastName")),
    ProviderEntry(
      name: "discord", displayName: "Discord", kind: .oauth2,
      authorizeURL: "https://discord.com/oauth2/authorize", tokenURL: "https://discord.com/api/oauth2/token",
      userinfoURL: "https://discord.com/api/users/@me",
      scopes: ["identify", "email"], clientAuthentication: .basic,
      mapping: ProfileMapping(
        id: "id", email: "email", emailVerified: "verified", fullName: "global_name", locale: "locale",
        username: "username", avatarTemplate: "https://cdn.discordapp.com/avatars/{id}/{avatar}.png")),
    // X's OAuth 2.0 with PKCE: the client authenticates with HTTP Basic, the profile is wrapped in
    // `data`, and the address (`confirmed_email`, with the `users.email` scope an app may add)
    // counts as unverified, so it never joins an account by itself.
    ProviderEntry(
      name: "x", displayName: "X", kind: .oauth2,
      authorizeURL: "https://x.com/i/oauth2/authorize", tokenURL: "https://api.x.com/2/oauth2/token",
      userinfoURL: "https://api.x.com/2/users/me?user.fields=profile_image_url,confirmed_email",
      scopes: ["users.read", "tweet.read"], clientAuthentication: .basic,
      mapping: ProfileMapping(
        id: "data.id", email: "data.confirmed_email", fullName: "data.name", avatarURL: "data.profile_image_url",
        username: "data.username")),
    // Sign In with LinkedIn using OpenID Connect: the profile is the ID token's claims.
    ProviderEntry(
      name: "linkedin", displayName: "LinkedIn", kind: .oidc, issuer: "https://www.linkedin.com/oauth",
      authorizeURL: "https://www.linkedin.com/oauth/v2/authorization", tokenURL: "https://www.linkedin.com/oauth/v2/accessToken",
      jwksURL: "https://www.linkedin.com/oauth/openid/jwks",
      scopes: ["openid", "profile", "email"],
      mapping: ProfileMapping(
        id: "sub", email: "email", emailVerified: "email_verified", firstName: "given_name", lastName: "family_name",
        fullName: "name", avatarURL: "picture", locale: "locale")),
    ProviderEntry(
      name: "oidc", displayName: "OpenID Connect", kind: .oidc,
      scopes: ["openid", "email", "profile"],
      mapping: ProfileMapping(
        id: "sub", email: "email", emailVerified: "email_verified", firstName: "given_name",
        lastName: "family_name", fullName: "name", avatarURL: "picture", locale: "locale",
        username: "preferred_username")),
  ]

  static func load(_ settings: Settings = .fromEnvironment()) throws(ConfigurationError) -> ProviderCatalog {
    var entries: [String: ProviderEntry] = [:]
    for var entry in builtIn {
      let prefix = "GATEHOUSE_SOCIAL_\(entry.name.uppercased())_"
      func url(_ suffix: String, _ current: String?) throws(ConfigurationError) -> String? {
        guard let text = settings.string(prefix + suffix) else { return current }
        guard let parsed = URL(string: text), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
          throw ConfigurationError(name: prefix + suffix, problem: "expected an http(s) URL, got '\(text)'")
        }
        return text
      }
      entry.issuer = try url("ISSUER", entry.issuer)
      entry.authorizeURL = try url("AUTHORIZE_URL", entry.authorizeURL)
      entry.tokenURL = try url("TOKEN_URL", entry.tokenURL)
      entry.userinfoURL = try url("USERINFO_URL", entry.userinfoURL)
      entry.emailsURL = try url("EMAILS_URL", entry.emailsURL)
      entry.jwksURL = try url("JWKS_URL", entry.jwksURL)
      if let scopes = settings.string(prefix + "SCOPES") { entry.scopes = scopes.split(separator: " ").map(String.init) }
      if let name = settings.string(prefix + "DISPLAY_NAME") { entry.displayName = name }
      entry.clientID = settings.string(prefix + "CLIENT_ID")
      entry.clientSecret = try settings.secret(prefix + "CLIENT_SECRET")
      if entry.name == "apple", let teamID = settings.string(prefix + "TEAM_ID"), let keyID = settings.string(prefix + "KEY_ID"),
        let pem = try settings.secret(prefix + "PRIVATE_KEY")
      {
        entry.appleSigning = try AppleClientSecret(
          teamID: teamID, keyID: keyID, privateKeyPEM: pem, audience: entry.issuer ?? "",
          setting: prefix + "PRIVATE_KEY")
      }
      entries[entry.name] = entry
    }
    return ProviderCatalog(entries: entries)
  }
}
