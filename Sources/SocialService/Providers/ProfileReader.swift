import Foundation
import Shared

/// Reads who signed in from what the provider gave: the validated ID token (OIDC) and the
/// userinfo or profile endpoint, GitHub's e-mail list, Apple's first-sign-in `user` field;
/// then normalises it with the provider's mapping.
struct ProfileReader: Sendable {
  let client: ProviderClient

  func read(
    _ entry: ProviderEntry, endpoints: ProviderClient.Endpoints, tokens: ProviderClient.Tokens, nonce: String,
    formUser: String?
  ) async throws(ProviderClient.Failure) -> NormalisedProfile {
    var json: JSONValue
    switch entry.kind {
    case .oidc:
      guard let idToken = tokens.idToken else {
        throw ProviderClient.Failure(error: "access_denied", description: "\(entry.name) sent no ID token.")
      }
      json = try await client.validate(idToken: idToken, entry: entry, endpoints: endpoints, nonce: nonce)
      if let userinfo = endpoints.userinfo {
        let info = try await client.profile(userinfo, accessToken: tokens.accessToken, provider: entry.name)
        guard info["sub"]?.text == json["sub"]?.text else {
          throw ProviderClient.Failure(error: "access_denied", description: "\(entry.name)'s userinfo is for another subject.")
        }
        json = json.merged(with: info)
      }
    case .oauth2:
      guard let url = endpoints.userinfo else {
        throw ProviderClient.Failure(error: "server_error", description: "\(entry.name) has no profile endpoint configured.")
      }
      json = try await client.profile(url, accessToken: tokens.accessToken, provider: entry.name)
    }
    if let emails = entry.emailsURL {
      json = json.merged(with: await primaryEmail(emails, accessToken: tokens.accessToken, provider: entry.name))
    }
    // Apple posts the name (only on the first sign-in) beside the code, never in the ID token.
    if let formUser, let user = JSONValue.parse(Array(formUser.utf8)) {
      json = json.merged(with: .object(["user": user]))
    }
    guard let profile = NormalisedProfile(json, mapping: entry.mapping) else {
      throw ProviderClient.Failure(error: "server_error", description: "\(entry.name)'s profile has no user id.")
    }
    return profile
  }

  /// GitHub: the primary address and whether GitHub verified it, from `/user/emails`. Without
  /// that list (the grant lacks `user:email`) the public address counts as unverified.
  private func primaryEmail(_ url: String, accessToken: String, provider: String) async -> JSONValue {
    guard let list = try? await client.profile(url, accessToken: accessToken, provider: provider),
      let primary = list.list.first(where: { $0["primary"]?.flag == true }), let email = primary["email"]
    else {
      return .object(["email_verified": .bool(false)])
    }
    return .object(["email": email, "email_verified": .bool(primary["verified"]?.flag ?? false)])
  }
}
