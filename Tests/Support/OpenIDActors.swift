import Foundation
import Testing

@testable import Shared

/// A service registered as an OpenID client, with a user of its own (docs/oidc.md).
struct OpenIDClient: Sendable {
  let slug: String
  let account: Account
  let clientID: String
  let clientSecret: String?
  let redirectURI: String
  let postLogoutRedirectURI: String
}

extension API {
  /// A service made by the operator's command with a loopback redirect URI (nothing listens
  /// there: the relying party reads the code from the redirect), set up by a super admin as a
  /// public or confidential client, first-party (no consent asked) or not.
  func makeOpenIDClient(publicClient: Bool = false, firstParty: Bool = false, account existing: Account? = nil) async throws
    -> OpenIDClient
  {
    let slug = TestEnvironment.uniqueName("app").replacingOccurrences(of: "_", with: "-")
    let redirectURI = "http://127.0.0.1:9/\(slug)/callback"
    let postLogout = "http://127.0.0.1:9/\(slug)/logged-out"
    let printed = try await cluster.tokenAdmin(
      ["admin", "create-service", "--slug", slug, "--name", "App \(slug)", "--redirect-uri", redirectURI])
    func value(_ name: String) -> String {
      printed.split(separator: "\n").first { $0.hasPrefix(name) }
        .map { String($0.dropFirst(name.count)).trimmingCharacters(in: .whitespaces) } ?? ""
    }
    var settings = ServiceSettingsBody()
    settings.publicClient = publicClient
    settings.postLogoutRedirectURIs = [postLogout]
    let (_, adminToken) = try await admin(role: "SUPER_ADMIN")
    let patched = try await post("/api/v1/services/\(slug)", settings, as: ServiceView.self, method: .PATCH, headers: bearer(adminToken))
    #expect(patched.status == 200 && patched.value?.publicClient == publicClient, "\(patched.body)")
    if firstParty { _ = try await cluster.tokenAdmin(["admin", "set-first-party", "--slug", slug]) }
    var account = existing ?? Account(slug: slug, username: TestEnvironment.uniqueName("ada"))
    if existing == nil {
      let registered = try await register(account)
      #expect(registered.status == 201, "\(registered.body)")
    } else {
      account = existing!
    }
    return OpenIDClient(
      slug: slug, account: account, clientID: value("client_id"), clientSecret: publicClient ? nil : value("client_secret"),
      redirectURI: redirectURI,
      postLogoutRedirectURI: postLogout)
  }
}

extension API {
  /// A super admin makes `client`'s service require a second factor of every sign-in.
  func requireMFA(_ client: OpenIDClient) async throws {
    let (_, adminToken) = try await admin(role: "SUPER_ADMIN")
    var settings = ServiceSettingsBody()
    settings.requireMFA = true
    let patched = try await post(
      "/api/v1/services/\(client.slug)", settings, as: ServiceView.self, method: .PATCH, headers: bearer(adminToken))
    #expect(patched.value?.requireMFA == true, "\(patched.body)")
  }
}

/// Tests/python/oidc_rp.py: a standard relying-party library (authlib or idpyoidc) driving the
/// whole flow through the hosted pages. Its JSON answer, its exit status (0 signed in, 3 an
/// authorization error came back, 1 anything else) and its raw output.
struct RelyingPartyRun: Sendable {
  let status: Int32
  let output: String
  var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(output.utf8))) as? [String: Any] ?? [:] }
  var idToken: [String: Any] { json["id_token"] as? [String: Any] ?? [:] }
  var userinfo: [String: Any] { json["userinfo"] as? [String: Any] ?? [:] }
  var pages: [String] { json["pages"] as? [String] ?? [] }
  var authorizationError: String? { (json["authorization_error"] as? [String: Any])?["error"] as? String }
}

extension Cluster {
  func relyingParty(
    _ library: String, _ client: OpenIDClient, password: String? = nil, scope: String = "openid profile email",
    cookies: URL? = nil, extra: [String] = []
  ) throws -> RelyingPartyRun {
    var arguments = [
      "--library", library, "--issuer", url(""), "--client-id", client.clientID, "--redirect-uri", client.redirectURI,
      "--username", client.account.username, "--password", password ?? client.account.password, "--scope", scope,
      "--post-logout-redirect-uri", client.postLogoutRedirectURI,
    ]
    // One argument, "=" and all: a secret may begin with "-", which argparse would take for an option.
    if let secret = client.clientSecret { arguments += ["--client-secret=\(secret)"] }
    if let cookies { arguments += ["--cookies", cookies.path] }
    let (status, output) = try PythonCheck.run("oidc_rp.py", arguments + extra)
    return RelyingPartyRun(status: status, output: output)
  }
}
