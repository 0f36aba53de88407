import Foundation
import Testing

@testable import Shared
@testable import TestSupport

/// The hosted sign-in page's provider buttons (docs/oidc.md, "Pages"): the social flow against
/// the local provider fakes (SocialTests' servers), coming back to the pending authorization.
@Suite(.serialized, .timeLimit(.minutes(5))) struct OpenIDSocialTests {
  @Test func aProviderButtonSignsTheBrowserInAndTheAppGetsItsCode() async throws {
    let social = SocialTests()
    try await social.withProviders { cluster, _, _ in
      let slug = TestEnvironment.uniqueName("soc-app").replacingOccurrences(of: "_", with: "-")
      let redirectURI = "http://127.0.0.1:9/\(slug)/callback"
      let printed = try await cluster.tokenAdmin([
        "admin", "create-service", "--slug", slug, "--name", "Social app", "--redirect-uri", redirectURI,
        "--social-provider", "github",
      ])
      _ = try await cluster.tokenAdmin(["admin", "set-first-party", "--slug", slug])
      func value(_ name: String) -> String {
        printed.split(separator: "\n").first { $0.hasPrefix(name) }
          .map { String($0.dropFirst(name.count)).trimmingCharacters(in: .whitespaces) } ?? ""
      }
      let app = OpenIDClient(
        slug: slug, account: Account(slug: slug, username: "unused"), clientID: value("client_id"), clientSecret: value("client_secret"),
        redirectURI: redirectURI, postLogoutRedirectURI: "")
      let browser = PageBrowser(cluster)
      let page = try await browser.get(OpenIDRefusalTests.query(app))
      #expect(page.body.contains("action=\"/signin/social/github\""), "\(page.body)")
      let shot = TestEnvironment.runDirectory.appendingPathComponent("screenshots/oidc/sign-in-with-providers.png")
      try FileManager.default.createDirectory(at: shot.deletingLastPathComponent(), withIntermediateDirectories: true)
      let (status, shown) = try PythonCheck.run("screenshot.py", [cluster.url(OpenIDRefusalTests.query(app)), shot.path])
      #expect(status == 0 && shown == "page-sign_in", "\(shown)")
      let started = try await browser.post("/signin/social/github", ["request": page.field("request") ?? "", "service": slug])
      // A page that moves on to the provider, not a redirect: a form's redirect elsewhere would
      // break the pages' CSP form-action in a browser (chromium follows it in AccountConsoleSocialTests).
      #expect(started.status == 200 && started.body.contains("http-equiv=\"refresh\""), "\(started)")
      let hop = try await social.approve(try #require(started.movesOnTo, "\(started.body)"), provider: "github")
      let back = try await browser.get(hop.url)
      let code = try #require(back.answer("code"), "\(back.status) \(back.location ?? "") \(back.body)")
      #expect(back.answer("state") == "s1" && browser.cookies["__Host-gh_session"] != nil)
      let tokens = try await cluster.api.oauthToken([
        ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI), ("client_id", app.clientID),
        ("client_secret", value("client_secret")), ("code_verifier", OpenIDRefusalTests.verifier),
      ])
      #expect(tokens.status == 200, "\(tokens.body)")
      let idToken = try #require(tokens.value?.idToken)
      let payload = try #require(Base64URL.decode(String(idToken.split(separator: ".")[1])))
      let claims = try #require(try JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any])
      #expect(claims["amr"] as? [String] == ["fed"], "\(claims)")
    }
  }
}
