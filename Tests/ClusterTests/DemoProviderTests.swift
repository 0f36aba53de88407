import Foundation
import Testing

@testable import Shared
@testable import TestSupport

/// `make run`'s demo identity provider (issue 16, docs/social.md "The local demo provider"):
/// oidc-provider-mock on loopback with the settings in scripts/demo-provider.env, read here as
/// run.sh reads them, so a person on a fresh machine signs in with a provider and nobody's
/// credentials. The account console's sign-in page offers it by its demo name; its button signs
/// the browser in, and the console opens on the new account.
@Suite(.serialized, .timeLimit(.minutes(5))) struct DemoProviderTests {
  /// scripts/demo-provider.env for a provider on `port`: `NAME=value` lines, `{port}` replaced.
  static func makeRunSettings(port: Int) throws -> [String: String] {
    let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("scripts/demo-provider.env")
    var settings: [String: String] = [:]
    for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n") where !line.hasPrefix("#") {
      guard let equals = line.firstIndex(of: "=") else { continue }
      settings[String(line[..<equals])] = line[line.index(after: equals)...].replacingOccurrences(of: "{port}", with: String(port))
    }
    return settings
  }

  @Test func theConsoleSignsInWithTheDemoProviderOnMakeRunsSettings() async throws {
    let provider = try await ProviderServer.oidcMock()
    defer { provider.stop() }
    let settings = try Self.makeRunSettings(port: provider.port)
    #expect(settings["GATEHOUSE_SOCIAL_OIDC_ISSUER"] == provider.url, "\(settings)")
    try await withCluster(environment: settings) { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let browser = PageBrowser(cluster)
      let start = try await browser.get("/account")
      let signInPage = try await browser.get(try #require(start.location, "\(start)"))
      #expect(signInPage.body.contains("id=\"provider-oidc\"") && signInPage.body.contains("Demo provider"), "\(signInPage.body)")

      let started = try await browser.post(
        "/signin/social/oidc", ["request": signInPage.field("request") ?? "", "service": AccountConsoleClient.slug])
      let hop = try await SocialTests().approve(try #require(started.movesOnTo, "\(started.body)"), provider: "oidc", sub: "demo-visitor")
      let back = try await browser.get(hop.url)
      let landed = try await browser.get(try #require(back.location, "\(back.status) \(back.body)"))
      #expect(landed.status == 303 && browser.cookies["__Host-gh_account"] != nil, "\(landed)")
      let console = try await browser.get("/account")
      #expect(console.status == 200 && console.body.contains("id=\"full-name\""), "\(console.status)")
    }
  }
}
