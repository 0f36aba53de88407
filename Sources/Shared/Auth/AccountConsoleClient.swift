/// The account console (`/account`, docs/pages.md) is a relying party of Gatehouse's own OpenID
/// Provider, as Keycloak's account console is a client of its realm: a built-in, first-party,
/// public service that token-service keeps in every deployment and the gateway signs in to with
/// the authorization code flow and PKCE. Its slug is reserved.
public enum AccountConsoleClient {
  public static let slug = "account-console"
  public static let clientID = "gh_account_console"
  public static let name = "Gatehouse Account"
  public static let callbackPath = "/account/callback"
  public static let homePath = "/account"
  /// Where a link flow of the console (a social account linked from `/account`) comes back.
  public static let linkedPath = "/account/social/linked"
  /// The cookie that holds the console's access token (HttpOnly; the gateway sets it).
  public static let accessCookie = "__Host-gh_account"

  /// Where the provider sends the browser back: exact, under the deployment's issuer.
  public static func redirectURI(issuer: String) -> String { issuer + callbackPath }
  /// The link flow's redirect URI, registered with the console's service.
  public static func linkedURI(issuer: String) -> String { issuer + linkedPath }
  /// Where RP-initiated logout from the console returns.
  public static func home(issuer: String) -> String { issuer + homePath }
}
