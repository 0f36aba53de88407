import AsyncHTTPClient
import Foundation
import JWTKit
import NIOCore
import NIOHTTP1
import Shared

/// Everything social-service says to a provider over HTTP: the code exchange, the profile (and
/// GitHub's e-mail list), OIDC discovery and JWKS. Every call has the same time limit (10 s).
///
/// Every URL here is the operator's: the catalog is read from the environment only
/// (`GATEHOUSE_SOCIAL_*`, `ProviderCatalog`), and no API lets a service admin or user set an
/// issuer or endpoint, so the outbound address policy (Shared/Net) does not apply (an operator
/// may run its OIDC provider on a private network). Redirects are never followed: a provider's
/// endpoint answers itself, and a 3xx is a failure (docs/security.md).
struct ProviderClient: Sendable {
  let http: HTTPClient
  let timeout: TimeAmount
  let keys = ProviderKeys()

  /// The process's client for provider calls: no redirects (`HTTPClient.shared` follows them).
  static let noRedirects: HTTPClient = {
    var configuration = HTTPClient.Configuration()
    configuration.redirectConfiguration = .disallow
    return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
  }()

  /// A failure that ends the sign-in with an `error=` redirect to the client, never a 500.
  struct Failure: Error, Sendable {
    /// The OAuth error code the client gets: `access_denied`, `server_error` or `temporarily_unavailable`.
    let error: String
    let description: String

    static func timedOut(_ provider: String) -> Failure {
      Failure(error: "temporarily_unavailable", description: "\(provider) did not answer in time.")
    }
  }

  struct Tokens: Sendable, Codable {
    var accessToken: String
    var refreshToken: String?
    var idToken: String?
  }

  /// Endpoints an OIDC provider publishes at `/.well-known/openid-configuration`.
  struct Endpoints: Sendable {
    var issuer: String?
    var authorize: String
    var token: String
    var userinfo: String?
    var jwks: String?
  }

  func endpoints(_ entry: ProviderEntry) async throws(Failure) -> Endpoints {
    if let authorize = entry.authorizeURL, let token = entry.tokenURL, entry.kind == .oauth2 || entry.jwksURL != nil {
      return Endpoints(issuer: entry.issuer, authorize: authorize, token: token, userinfo: entry.userinfoURL, jwks: entry.jwksURL)
    }
    guard let issuer = entry.issuer else { throw Failure(error: "server_error", description: "\(entry.name) has no issuer configured.") }
    // The document is kept per issuer; each entry's own overrides apply on top of it.
    var found: Endpoints
    if let cached = await keys.discovered(issuer) {
      found = cached
    } else {
      let document = try await json(.GET, issuer + "/.well-known/openid-configuration", provider: entry.name)
      guard let authorize = document["authorization_endpoint"]?.text, let token = document["token_endpoint"]?.text else {
        throw Failure(error: "server_error", description: "\(entry.name)'s discovery document lacks its endpoints.")
      }
      found = Endpoints(
        issuer: document["issuer"]?.text ?? issuer, authorize: authorize, token: token,
        userinfo: document["userinfo_endpoint"]?.text, jwks: document["jwks_uri"]?.text)
      await keys.remember(issuer, found)
    }
    found.authorize = entry.authorizeURL ?? found.authorize
    found.token = entry.tokenURL ?? found.token
    found.userinfo = entry.userinfoURL ?? found.userinfo
    found.jwks = entry.jwksURL ?? found.jwks
    return found
  }

  /// The authorization code for the provider's tokens, with the PKCE verifier.
  func exchange(_ entry: ProviderEntry, endpoints: Endpoints, code: String, redirectURI: String, verifier: String) async throws(Failure)
    -> Tokens
  {
    guard let clientID = entry.clientID else { throw Failure(error: "server_error", description: "\(entry.name) is not configured.") }
    var form = ["grant_type": "authorization_code", "code": code, "redirect_uri": redirectURI, "code_verifier": verifier]
    var headers = HTTPHeaders([("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")])
    var secret = entry.clientSecret
    if let apple = entry.appleSigning {
      do { secret = try await apple.make(clientID: clientID) } catch {
        throw Failure(error: "server_error", description: "The Apple client secret could not be signed.")
      }
    }
    switch entry.clientAuthentication {
    case .formFields:
      form["client_id"] = clientID
      form["client_secret"] = secret
    case .basic:
      let pair = "\(Self.formEncode(clientID)):\(Self.formEncode(secret ?? ""))"
      headers.add(name: "Authorization", value: "Basic " + Data(pair.utf8).base64EncodedString())
    }
    let body = form.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.formEncode($0.value))" }.joined(separator: "&")
    let answer = try await json(.POST, endpoints.token, headers: headers, body: body, provider: entry.name)
    if let error = answer["error"] {
      let description = answer["error_description"]?.text ?? error.text ?? "error"
      throw Failure(error: "access_denied", description: "\(entry.name) refused the authorization code: \(description)")
    }
    guard let access = answer["access_token"]?.text else {
      throw Failure(error: "server_error", description: "\(entry.name)'s token answer has no access_token.")
    }
    return Tokens(accessToken: access, refreshToken: answer["refresh_token"]?.text, idToken: answer["id_token"]?.text)
  }

  /// A JSON resource read with the provider's access token.
  func profile(_ url: String, accessToken: String, provider: String) async throws(Failure) -> JSONValue {
    try await json(
      .GET, url, headers: HTTPHeaders([("Authorization", "Bearer \(accessToken)"), ("Accept", "application/json")]),
      provider: provider)
  }

  func json(
    _ method: HTTPMethod, _ url: String, headers: HTTPHeaders = HTTPHeaders([("Accept", "application/json")]), body: String? = nil,
    provider: String
  ) async throws(Failure) -> JSONValue {
    var request = HTTPClientRequest(url: url)
    request.method = method
    request.headers = headers
    request.headers.replaceOrAdd(name: "User-Agent", value: "Gatehouse")
    if let body { request.body = .bytes(ByteBuffer(string: body)) }
    let bytes: ByteBuffer
    let status: UInt
    do {
      let response = try await http.execute(request, timeout: timeout)
      status = response.status.code
      bytes = try await response.body.collect(upTo: 1 << 20)
    } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
      throw Failure.timedOut(provider)
    } catch {
      if "\(error)".lowercased().contains("timeout") || "\(error)".lowercased().contains("deadline") { throw Failure.timedOut(provider) }
      throw Failure(error: "temporarily_unavailable", description: "\(provider) could not be reached.")
    }
    guard let value = JSONValue.parse(bytes.readableBytesView) else {
      throw Failure(error: "server_error", description: "\(provider) answered \(status) without JSON.")
    }
    // Error bodies are read by the caller (some providers send them with 200); other non-2xx are failures.
    guard (200..<300).contains(status) || value["error"] != nil else {
      throw Failure(error: "server_error", description: "\(provider) answered \(status).")
    }
    return value
  }

  static func formEncode(_ text: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
  }
}
