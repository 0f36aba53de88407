import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Shared

/// Whole authorization-code round trips through the gateway (docs/oidc.md): authorize with a
/// browser session (single sign-on) → code → token exchange → userinfo; then the same with the
/// sign-in page's password form in each round trip, against the bcrypt bound.
struct OpenIDBench: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "oidc", abstract: "OpenID authorization-code round trips.")

  @Option(help: "The gateway's base URL.") var url = ProcessInfo.processInfo.environment["GATEHOUSE_BENCH_URL"] ?? "http://127.0.0.1:8090"
  @Option(help: "The client's id (a first-party service).") var clientID: String
  @Option(help: "Its registered redirect URI.") var redirectURI: String
  @Option(help: "Round trips in flight.") var concurrency = 32
  @Option(help: "Seconds of load.") var seconds = 15
  @Option(help: "Markdown file to update.") var out = "docs/benchmarks.md"

  /// RFC 7636 appendix B: every round trip uses PKCE as a public app would.
  static let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
  static let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

  func run() async throws {
    let logger = Logger(label: "gatehouse.bench")
    let secret = ProcessInfo.processInfo.environment["GATEHOUSE_BENCH_CLIENT_SECRET"] ?? ""
    let basic = "Basic " + Data("\(clientID):\(secret)".utf8).base64EncodedString()
    let password = "Bench-password-1"
    let (sso, withPassword) = try await withGateway(url) { gateway in
      let flow = RoundTrip(gateway: gateway, clientID: clientID, redirectURI: redirectURI, basic: basic)
      // One person (and browser session) per worker, as real traffic is: one person's sign-ins to
      // one service share a membership row, which each sign-in locks.
      var sessions: [String] = []
      for _ in 0..<concurrency {
        sessions.append(try await flow.signIn(username: try await gateway.registerUser(password: password), password: password))
      }
      let sso = await runLoad(workers: sessions, for: .seconds(seconds)) { session in
        (try? await flow.roundTrip(session: session)) == true
      }
      // One person per worker: the sign-in throttle allows one account only a few attempts in flight.
      var people: [String] = []
      for _ in 0..<8 { people.append(try await gateway.registerUser(password: password)) }
      let withPassword = await runLoad(workers: people, for: .seconds(seconds)) { user in
        guard let session = try? await flow.signIn(username: user, password: password) else { return false }
        return (try? await flow.roundTrip(session: session)) == true
      }
      return (sso, withPassword)
    }
    let rows = [
      row(
        sso, "authorize with a browser session → code → token → userinfo, \(concurrency) people in flight for \(seconds) s", budget: 1000),
      row(withPassword, "the same with the sign-in page's password form each time, 8 in flight for \(seconds) s", budget: nil),
    ]
    try BenchReport(file: out).replaceSection(
      "oidc", title: "OpenID authorization-code round trips (durable: a code and a session each)", rows: rows, command: "make bench")
    for row in rows { logger.info("\(row.path): \(row.result) (budget \(row.budget))") }
  }

  private func row(_ run: (samples: [Duration], errors: Int, elapsed: Duration), _ path: String, budget: Double?) -> BenchRow {
    let rate = Double(run.samples.count) / (run.elapsed.fractionalMilliseconds / 1000)
    return BenchRow(
      path: path,
      result: "\(Int(rate)) round trips/s, p50 \(ms(percentile(run.samples, 0.50))) ms, p99 \(ms(percentile(run.samples, 0.99))) ms, "
        + "\(run.errors) errors",
      budget: budget.map { "≥ \(Int($0))/s" } ?? "bcrypt-bound (see the login row)",
      met: (budget.map { rate >= $0 } ?? true) && run.errors == 0)
  }
}

/// One relying party's round trip, by hand: the requests a browser and an app's back end make.
struct RoundTrip: Sendable {
  let gateway: GatewayClient
  let clientID: String
  let redirectURI: String
  let basic: String

  var authorizePath: String {
    "/oauth/authorize?response_type=code&scope=openid%20email&state=s&client_id=\(clientID)&redirect_uri="
      + (redirectURI.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
      + "&code_challenge=\(OpenIDBench.challenge)&code_challenge_method=S256"
  }

  /// Signs in on the page: the browser session's cookie.
  func signIn(username: String, password: String) async throws -> String {
    let page = try await gateway.sendRaw(.GET, authorizePath, body: ByteBuffer(), headers: [:])
    let html = String(buffer: page.body)
    guard let request = html.firstMatch(of: /name="request" value="([^"]+)"/)?.1, let csrf = page.cookies["__Host-gh_csrf"] else {
      throw BenchError("the authorize page answered \(page.status)")
    }
    let form = "request=\(request)&csrf=\(csrf)&identifier=\(username)&password=\(password)"
    let answer = try await gateway.sendRaw(
      .POST, "/signin", body: ByteBuffer(string: form),
      headers: ["Content-Type": "application/x-www-form-urlencoded", "Cookie": "__Host-gh_csrf=\(csrf)"])
    guard let session = answer.cookies["__Host-gh_session"] else { throw BenchError("the sign-in form answered \(answer.status)") }
    return session
  }

  /// authorize (single sign-on) → code → token → userinfo; true when every step answered as it should.
  func roundTrip(session: String) async throws -> Bool {
    let authorized = try await gateway.sendRaw(.GET, authorizePath, body: ByteBuffer(), headers: ["Cookie": "__Host-gh_session=\(session)"])
    guard authorized.status == 303, let location = authorized.location,
      let code = location.firstMatch(of: /[?&]code=([^&]+)/)?.1
    else { return false }
    let form =
      "grant_type=authorization_code&code=\(code)&code_verifier=\(OpenIDBench.verifier)&redirect_uri="
      + (redirectURI.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
    let tokens = try await gateway.sendRaw(
      .POST, "/oauth/token", body: ByteBuffer(string: form),
      headers: ["Content-Type": "application/x-www-form-urlencoded", "Authorization": basic])
    guard tokens.status == 200, let access = jsonString("access_token", in: tokens.body) else { return false }
    let info = try await gateway.sendRaw(.GET, "/oauth/userinfo", body: ByteBuffer(), headers: ["Authorization": "Bearer \(access)"])
    return info.status == 200
  }
}
