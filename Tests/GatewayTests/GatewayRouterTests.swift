import Configuration
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Shared
import Testing

@testable import Gateway

/// The gateway's router in process (`app.test(.router)`), with nothing behind it: its Redis is an
/// address where nothing listens, no service runs, and the limits are off. What the gateway answers
/// on its own (unknown routes, missing credentials, bodies it refuses, its own headers) is tested
/// here; what needs the services is SharedTests' (real processes).
@Suite(.timeLimit(.minutes(2))) struct GatewayRouterTests {
  @Test func anUnknownPathIsA404ProblemWithTheRequestID() async throws {
    try await Self.app().test(.router) { client in
      let response = try await client.execute(uri: "/api/v1/nothing-here", method: .get, headers: [.requestID: "test-id-1"])
      #expect(response.status == .notFound)
      #expect(response.headers[.contentType] == "application/problem+json")
      #expect(response.headers[.requestID] == "test-id-1")
      #expect(response.headers[.cacheControl] == "no-store")
      let problem = try Self.json(response.body)
      #expect(problem["code"] as? String == "not_found" && problem["status"] as? Int == 404)
      #expect(problem["detail"] as? String == "No resource at /api/v1/nothing-here.")
      #expect(problem["request_id"] as? String == "test-id-1" && problem["type"] as? String == "urn:gatehouse:problem:not_found")
    }
  }

  /// Hummingbird's router has no 405: a known path with another method is not found, like any unknown route.
  @Test func aKnownPathWithAnotherMethodIsNotFound() async throws {
    try await Self.app().test(.router) { client in
      let routes: [(HTTPRequest.Method, String)] = [
        (.get, "/api/v1/auth/register"), (.delete, "/api/v1/auth/login"), (.post, "/healthz"),
      ]
      for (method, path) in routes {
        let response = try await client.execute(uri: path, method: method)
        #expect(response.status == .notFound, "\(method) \(path)")
        #expect(try Self.json(response.body)["code"] as? String == "not_found")
      }
    }
  }

  @Test func everySignedInRouteWithoutATokenIsChallenged() async throws {
    try await Self.app().test(.router) { client in
      for (method, path) in Self.signedInRoutes {
        let response = try await client.execute(uri: path, method: method, body: ByteBuffer(string: "{}"))
        #expect(response.status == .unauthorized, "\(method) \(path)")
        #expect(response.headers[.wwwAuthenticate]?.hasPrefix(#"Bearer error="invalid_token""#) == true, "\(method) \(path)")
        let problem = try Self.json(response.body)
        #expect(problem["code"] as? String == "invalid_token", "\(method) \(path)")
        #expect(problem["detail"] as? String == "Send the access token as 'Authorization: Bearer <token>'.")
      }
    }
  }

  @Test func aMalformedBearerTokenIsChallenged() async throws {
    try await Self.app().test(.router) { client in
      for authorization in ["Bearer not-a-token", "Bearer a.b.c", "Basic dXNlcjpwYXNz"] {
        let response = try await client.execute(uri: "/api/v1/users/me", method: .get, headers: [.authorization: authorization])
        #expect(response.status == .unauthorized, "\(authorization)")
        #expect(response.headers[.wwwAuthenticate]?.hasPrefix(#"Bearer error="invalid_token""#) == true)
        #expect(try Self.json(response.body)["code"] as? String == "invalid_token")
      }
      let malformed = try await client.execute(uri: "/api/v1/auth/verify", method: .get, headers: [.authorization: "Bearer x"])
      #expect(malformed.status == .unauthorized)
      #expect(try Self.json(malformed.body)["detail"] as? String == "The token is malformed.")
    }
  }

  @Test func everyServiceProviderRouteWithoutCredentialsIsInvalidClient() async throws {
    let missing = "Authenticate with HTTP Basic (client_id:client_secret) or X-Client-ID and X-Client-Secret."
    try await Self.app().test(.router) { client in
      for (method, path) in Self.serviceProviderRoutes {
        for (authorization, detail) in [(nil, missing), ("Basic !!!", "The Basic credentials are malformed.")] {
          var headers: HTTPFields = [.contentType: "application/json"]
          headers[.authorization] = authorization
          let response = try await client.execute(uri: path, method: method, headers: headers, body: ByteBuffer(string: "{}"))
          #expect(response.status == .unauthorized, "\(method) \(path)")
          let problem = try Self.json(response.body)
          #expect(problem["code"] as? String == "invalid_client" && problem["detail"] as? String == detail, "\(method) \(path)")
          #expect(response.headers[.wwwAuthenticate] == nil)
        }
      }
    }
  }

  @Test func aBodyTheGatewayCannotReadIsRefusedBeforeAnyServiceIsAsked() async throws {
    try await Self.app().test(.router) { client in
      let json: HTTPFields = [.contentType: "application/json"]
      let cases: [(HTTPFields, String, HTTPResponse.Status, String)] = [
        (json, String(repeating: "x", count: JSONBody.limit + 1), .contentTooLarge, "payload_too_large"),
        ([.contentType: "text/plain"], "{}", .unsupportedMediaType, "unsupported_media_type"),
        (json, "{not json", .badRequest, "malformed_json"),
        (json, "{}", .unprocessableContent, "missing_field"),
      ]
      for (headers, body, status, code) in cases {
        let response = try await client.execute(
          uri: "/api/v1/auth/register", method: .post, headers: headers, body: ByteBuffer(string: body))
        #expect(response.status == status, "\(code)")
        #expect(try Self.json(response.body)["code"] as? String == code)
      }
    }
  }

  @Test func aRefreshWithoutTokenOrCookieSaysWhatIsMissing() async throws {
    try await Self.app().test(.router) { client in
      let response = try await client.execute(uri: "/api/v1/auth/refresh", method: .post)
      #expect(response.status == .badRequest)
      let problem = try Self.json(response.body)
      #expect(problem["code"] as? String == "missing_refresh_token" && problem["field"] as? String == "refresh_token")
    }
  }

  @Test func everyAnswerCarriesTheSecurityHeadersAndARequestID() async throws {
    try await Self.app().test(.router) { client in
      for (method, path) in [(HTTPRequest.Method.get, "/healthz"), (.get, "/nowhere"), (.get, "/api/v1/users/me")] {
        let response = try await client.execute(uri: path, method: method)
        for (name, value) in [("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"), ("Referrer-Policy", "no-referrer")] {
          #expect(response.headers[try #require(HTTPField.Name(name))] == value, "\(name) of \(path)")
        }
        #expect(response.headers[.requestID]?.count == 36, "a new id: \(path)")
      }
      // An id the caller sends is kept when it is sane, replaced when it is not.
      let insane = try await client.execute(uri: "/healthz", method: .get, headers: [.requestID: "not sane!"])
      #expect(insane.headers[.requestID] != "not sane!" && insane.headers[.requestID]?.count == 36)
    }
  }

  @Test func healthAndDiscoveryNeedNoService() async throws {
    try await Self.app().test(.router) { client in
      let health = try await client.execute(uri: "/healthz", method: .get)
      #expect(health.status == .ok)
      #expect(try Self.json(health.body)["status"] as? String == "ok")
      #expect(health.headers[.contentType] == "application/json")
      let discovery = try await client.execute(
        uri: "/.well-known/openid-configuration", method: .get,
        headers: [.origin: "https://anywhere.example"])
      #expect(discovery.status == .ok)
      #expect(discovery.headers[.cacheControl] == "public, max-age=3600")
      #expect(discovery.headers[.accessControlAllowOrigin] == "*")
      let document = try Self.json(discovery.body)
      #expect(document["issuer"] as? String == Self.issuer)
      #expect(document["token_endpoint"] as? String == Self.issuer + "/oauth/token")
    }
  }

  @Test func anOAuthRouteAnswersInOAuthsWords() async throws {
    try await Self.app().test(.router) { client in
      let response = try await client.execute(
        uri: "/oauth/token", method: .post, headers: [.contentType: "application/json"],
        body: ByteBuffer(string: "{}"))
      #expect(response.status == .badRequest && response.headers[.cacheControl] == "no-store")
      let body = try Self.json(response.body)
      #expect(body["error"] as? String == "invalid_request")
      #expect(body["error_description"] as? String == "Send the parameters as application/x-www-form-urlencoded.")
    }
  }
}

extension GatewayRouterTests {
  static let issuer = "https://gatehouse.test"

  /// Every route that acts for a signed-in user, as the gateway's route table has them.
  static let signedInRoutes: [(HTTPRequest.Method, String)] = [
    (.post, "/api/v1/auth/logout"), (.post, "/api/v1/auth/logout-all"),
    (.get, "/api/v1/users/me"), (.patch, "/api/v1/users/me"), (.post, "/api/v1/users/me/password"),
    (.get, "/api/v1/users/me/sessions"), (.delete, "/api/v1/users/me/sessions/s1"),
    (.post, "/api/v1/users/me/mfa/totp"), (.post, "/api/v1/users/me/mfa/totp/enable"), (.delete, "/api/v1/users/me/mfa/totp"),
    (.post, "/api/v1/users/me/mfa/backup-codes"), (.delete, "/api/v1/users/u1/mfa"),
    (.get, "/api/v1/users/me/social-accounts"), (.post, "/api/v1/users/me/social-accounts/google"),
    (.post, "/api/v1/users/me/social-accounts/google/complete"), (.delete, "/api/v1/users/me/social-accounts/google"),
    (.post, "/api/v1/idp/requests/t1/confirm"), (.post, "/api/v1/idp/requests/t1/reject"), (.put, "/api/v1/idp/profile"),
    (.post, "/api/v1/idp/profile/phone/verify"), (.put, "/api/v1/idp/profile/pin"), (.get, "/api/v1/idp/inbox"),
    (.get, "/api/v1/idp/history"), (.get, "/api/v1/idp/inbox/stream"),
    (.post, "/api/v1/services"), (.get, "/api/v1/services"), (.get, "/api/v1/services/s"), (.patch, "/api/v1/services/s"),
    (.delete, "/api/v1/services/s"), (.post, "/api/v1/services/s/credentials"), (.get, "/api/v1/services/s/stats"),
    (.get, "/api/v1/services/s/users"), (.patch, "/api/v1/services/s/users/u1"),
    (.post, "/api/v1/idp/service-providers"), (.get, "/api/v1/idp/service-providers"),
    (.patch, "/api/v1/idp/service-providers/c1"), (.post, "/api/v1/idp/service-providers/c1/secret"),
    (.post, "/api/v1/idp/service-providers/c1/result-key"), (.post, "/api/v1/idp/service-providers/c1/deliveries/d1/resend"),
    (.get, "/api/v1/idp/service-providers/c1/stats"), (.get, "/api/v1/idp/service-providers/c1/deliveries"),
    (.get, "/api/v1/audit-events"),
  ]

  /// Every route a service provider calls with its client credentials (`stats` takes a token instead, too).
  static let serviceProviderRoutes: [(HTTPRequest.Method, String)] = [
    (.post, "/api/v1/idp/requests"), (.get, "/api/v1/idp/requests/t1"), (.post, "/api/v1/idp/requests/t1/result"),
    (.get, "/api/v1/idp/stats"),
  ]

  /// The gateway as GatewayCommand builds it, but with no Redis behind it (nothing listens on port
  /// 1), every limit off and a JWK Set already loaded, so that nothing here is ever asked for.
  static func app() async throws -> some ApplicationProtocol {
    Application(router: try await router(), logger: Logger(label: "gatehouse.gateway-tests"))
  }

  /// The gateway's whole route table, with nothing behind it.
  static func router() async throws -> Router<GatewayRequestContext> {
    let logger = Logger(label: "gatehouse.gateway-tests")
    let redis = RedisClient(endpoint: RedisEndpoint(host: "127.0.0.1", port: 1), logger: logger)
    let rpc = RPCClient(redis: redis, instanceID: "gateway-tests", defaultTimeout: .seconds(1), logger: logger)
    let names = ["LOGIN", "LOGIN_USER", "REGISTER", "SOCIAL", "API", "USER", "SP"]
    let settings = Settings(
      reader: ConfigReader(
        provider: EnvironmentVariablesProvider(
          environmentVariables: Dictionary(uniqueKeysWithValues: names.map { ("GATEHOUSE_RATE_LIMIT_\($0)", "off") }))))
    return GatewayRouter.make(
      readiness: ReadinessCheck(redis: redis, rpc: rpc, backends: ServiceName.backends),
      keys: JWKSCache(rpc: rpc, lifetime: .seconds(3600), preloaded: JWKSet(keys: [testKey])),
      revocations: RevocationList(rpc: rpc), closedServices: ClosedServices(rpc: rpc), rpc: rpc,
      limits: try RateLimits(redis: redis, settings: settings), proxies: try TrustedProxies(settings: settings),
      origins: AllowedOrigins(rpc: rpc), waiters: TransactionWaiters(), events: EventBus(redis: redis, logger: logger),
      issuer: issuer, pages: try await HostedPages.load())
  }

  /// A P-256 public key (the curve's base point): valid, and no one's signing key.
  static let testKey = PublicJWK(
    kty: "EC", crv: "P-256", x: "axfR8uEsQkf4vOblY6RA8ncDfYEt6zOg9KE5RdiYwpY",
    y: "T-NC4v4af5uO5-tKfA-eFivOM1drMV7Oy7ZAaDe_UfU", kid: "gateway-tests", alg: "ES256", use: "sig")

  static func json(_ buffer: ByteBuffer) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any])
  }
}
