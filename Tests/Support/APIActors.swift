import Foundation
import NIOCore
import Testing

@testable import Shared

// Who the end-to-end tests act as, made through the typed API: accounts, platform admins,
// service providers and people with an identity profile. Shared by every ClusterTests suite.

/// A user of a service of its own (any service will do for a token).
struct Account: Sendable {
  let slug: String
  let username: String
  let password = Account.password
  static let password = "correct horse 1"
}

/// A service provider of the IdP, with every secret it was given.
struct SPClient: Sendable {
  let clientID: String
  let clientSecret: String
  let webhookSecret: [UInt8]
  let resultKey: String
  let kid: String
  /// `standard_webhook_secret` as printed (`whsec_...`), for Standard Webhooks libraries.
  var standardWebhookSecret = ""

  var auth: [String: String] { ["Authorization": "Basic " + Data("\(clientID):\(clientSecret)".utf8).base64EncodedString()] }
}

/// A signed-in person with an identity profile whose phone number is proven.
struct Person: Sendable {
  let account: Account
  let token: String
  let phone: String
  let pin = "284615"

  var auth: [String: String] { bearer(token) }
}

extension API {
  /// A service made by the operator's command (allowing `origin` when given), and an account registered in it.
  func makeAccount(origin: String? = nil, firstParty: Bool = false) async throws -> Account {
    let slug = TestEnvironment.uniqueName("svc").replacingOccurrences(of: "_", with: "-")
    _ = try await cluster.tokenAdmin(
      ["admin", "create-service", "--slug", slug, "--name", "Test"] + (firstParty ? ["--first-party"] : [])
        + (origin.map {
          [
            "--origin",
            $0,
          ]
        } ?? []))
    let account = Account(slug: slug, username: TestEnvironment.uniqueName("ada"))
    let registered = try await register(account)
    #expect(registered.status == 201, "\(registered.body)")
    return account
  }

  /// `POST /api/v1/auth/register` for `account`, its email made from the username.
  func register(_ account: Account) async throws -> Answer<RegisterResponse> {
    try await register(
      RegisterBody(
        service: account.slug, username: account.username, email: "\(account.username)@example.com",
        password: account.password))
  }

  func register(_ body: RegisterBody) async throws -> Answer<RegisterResponse> {
    try await post("/api/v1/auth/register", body, as: RegisterResponse.self)
  }

  /// A password sign-in by username.
  func login(_ account: Account, password: String? = nil, clientType: ClientType = .mobile) async throws -> Answer<TokenAnswer> {
    try await login(
      LoginBody(
        service: account.slug, username: account.username, email: nil, password: password ?? account.password,
        rememberMe: nil, clientType: clientType))
  }

  func login(_ body: LoginBody) async throws -> Answer<TokenAnswer> {
    try await post("/api/v1/auth/login", body, as: TokenAnswer.self)
  }

  /// A sign-in that must succeed: its token response (an issue with the answer when it does not).
  func signIn(_ account: Account, sourceLocation: SourceLocation = #_sourceLocation) async throws -> TokenAnswer {
    try await login(account).decoded(sourceLocation: sourceLocation)
  }

  /// `GET /api/v1/auth/verify` with `token` as the bearer.
  func verify(_ token: String) async throws -> Answer<VerifiedTokenAnswer> {
    try await get("/api/v1/auth/verify", as: VerifiedTokenAnswer.self, headers: bearer(token))
  }

  /// A mobile client's refresh: the token in the body.
  func refresh(_ refreshToken: String) async throws -> Answer<TokenAnswer> {
    try await post("/api/v1/auth/refresh", RefreshBody(refreshToken: refreshToken), as: TokenAnswer.self)
  }

  /// A user of `role` (`SUPER_ADMIN`, `SERVICE_ADMIN`: a platform role; else a plain user),
  /// signed in to a service of its own.
  func admin(role: String) async throws -> (account: Account, token: String) {
    let account = try await makeAccount()
    if role == "SUPER_ADMIN" || role == "SERVICE_ADMIN" {
      _ = try await cluster.tokenAdmin(["admin", "set-platform-role", "--username", account.username, "--role", role])
    }
    return (account, try await signIn(account).accessToken)
  }

  /// Marks the service of `token` first-party: only such services' tokens enrol a second factor.
  func firstParty(token: String) async throws {
    _ = try await cluster.tokenAdmin(["admin", "set-first-party", "--slug", try tokenClaims(token).aud])
  }
}

/// The claims of an access token, read without checking its signature.
func tokenClaims(_ token: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> AccessTokenClaims {
  try tokenPart(token, 1, as: AccessTokenClaims.self, sourceLocation: sourceLocation)
}

/// The protected header of a JWS.
func tokenHeader(_ token: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> JOSEHeader {
  try tokenPart(token, 0, as: JOSEHeader.self, sourceLocation: sourceLocation)
}

private func tokenPart<T: Decodable>(_ token: String, _ index: Int, as type: T.Type, sourceLocation: SourceLocation) throws -> T {
  let parts = token.split(separator: ".", omittingEmptySubsequences: false)
  let decoded = parts.count > index ? Base64URL.decode(String(parts[index])) : nil
  do {
    return try JSON.decode(T.self, from: ByteBuffer(bytes: decoded ?? []))
  } catch {
    Issue.record("part \(index) of \(token) is not a \(T.self): \(error)", sourceLocation: sourceLocation)
    throw error
  }
}

// MARK: - Identity verification

extension API {
  /// An SP made by the operator's command; `mayReceiveCI`: its results carry the plain CI.
  func makeSP(callback: String, mayReceiveCI: Bool = false) async throws -> SPClient {
    let process = try cluster.start(
      "idp-service",
      arguments: [
        "admin", "create-sp", "--name", "Shop \(Int.random(in: 1...999))",
        "--callback-url", callback,
      ] + (mayReceiveCI ? ["--may-receive-ci"] : []))
    #expect(await process.waitForExit(timeout: .seconds(20)) == 0, "\(process.log)")
    let printed = process.log
    func value(_ name: String) -> String {
      printed.split(separator: "\n").first { $0.hasPrefix(name + " ") }
        .map { String($0.dropFirst(name.count)).trimmingCharacters(in: .whitespaces) } ?? ""
    }
    return SPClient(
      clientID: value("client_id"), clientSecret: value("client_secret"),
      webhookSecret: Base64URL.decode(value("webhook_secret")) ?? [], resultKey: value("result_key"),
      kid: value("result_kid"), standardWebhookSecret: value("standard_webhook_secret"))
  }

  /// A new account of a first-party service (which may set the profile), signed in, with a
  /// profile whose number is proven.
  func makePerson() async throws -> Person {
    let account = try await makeAccount(firstParty: true)
    let token = try await signIn(account).accessToken
    let person = Person(account: account, token: token, phone: "010-\(Int.random(in: 1000...9999))-\(Int.random(in: 1000...9999))")
    let profile = try await post(
      "/api/v1/idp/profile",
      IdentityProfileBody(userPhoneNumber: person.phone, pinCode: person.pin, currentPassword: account.password),
      as: IdentityProfileView.self, method: .PUT, headers: person.auth)
    #expect(profile.status == 202, "\(profile.body)")
    try await proveNumber(person.phone, auth: person.auth)
    return person
  }

  /// Reads the code the SMS API received for `phone` (its `index`th message) and proves the number with it.
  func proveNumber(_ phone: String, index: Int = 0, auth: [String: String]) async throws {
    let code = try await SMSReceiver.shared().code(to: phone, index: index)
    let proven = try await post(
      "/api/v1/idp/profile/phone/verify", PhoneCodeBody(code: code), as: IdentityProfileView.self,
      headers: auth)
    #expect(proven.status == 200 && proven.value?.userPhoneNumber == phone, "\(proven.body)")
  }

  /// `sp` asks `person` to verify ("Age check"): the new transaction's id.
  func request(_ sp: SPClient, _ person: Person) async throws -> String {
    let created = try await post(
      "/api/v1/idp/requests", VerificationRequestBody(userPhoneNumber: person.phone, purpose: "Age check"),
      as: VerificationStatus.self, headers: sp.auth)
    #expect(created.status == 201, "\(created.body)")
    let status = try created.decoded()
    #expect(status.status == .pending)
    return status.transactionID
  }

  /// The person confirms transaction `id` with their PIN (or `pin`).
  func confirm(_ person: Person, _ id: String, pin: String? = nil) async throws -> Answer<DecisionResult> {
    try await post(
      "/api/v1/idp/requests/\(id)/confirm", PinBody(pinCode: pin ?? person.pin), as: DecisionResult.self,
      headers: person.auth)
  }
}

/// Opens an SP's result JWE with a standard JOSE library (joserfc), as the SP would.
func decrypt(_ sp: SPClient, _ jwe: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> ResultPayload {
  let opened = try PythonCheck.run("decrypt_result.py", [sp.resultKey, sp.kid, jwe])
  #expect(opened.status == 0, "\(opened.output)", sourceLocation: sourceLocation)
  return try Answer<ResultPayload>(status: Int(opened.status), headers: [:], body: opened.output).decoded(sourceLocation: sourceLocation)
}

// MARK: - OAuth clients

/// A service with a registered user, and the service's OAuth client credentials.
struct OAuthClient: Sendable {
  let account: Account
  let clientID: String
  let clientSecret: String

  var basic: [String: String] { ["Authorization": "Basic " + Data("\(clientID):\(clientSecret)".utf8).base64EncodedString()] }
}

extension API {
  /// A service made by the operator's command, with a registered user, and its client credentials.
  func makeOAuthClient() async throws -> OAuthClient {
    let slug = TestEnvironment.uniqueName("svc").replacingOccurrences(of: "_", with: "-")
    let printed = try await cluster.tokenAdmin(["admin", "create-service", "--slug", slug, "--name", "Test"])
    func value(_ name: String) -> String {
      printed.split(separator: "\n").first { $0.hasPrefix(name) }
        .map { String($0.dropFirst(name.count)).trimmingCharacters(in: .whitespaces) } ?? ""
    }
    let account = Account(slug: slug, username: TestEnvironment.uniqueName("ada"))
    let registered = try await register(account)
    #expect(registered.status == 201, "\(registered.body)")
    return OAuthClient(account: account, clientID: value("client_id"), clientSecret: value("client_secret"))
  }

  /// A form POST (OAuth's bodies are forms, not JSON), its answer read as `Value` (an error as `answer.oauthError`).
  func form<Value>(
    _ path: String, _ fields: [(String, String)], as type: Value.Type,
    headers: [String: String] = [:]
  ) async throws -> Answer<Value> {
    let encoded = fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }
      .joined(separator: "&")
    return Answer(try await cluster.post(path, body: encoded, contentType: "application/x-www-form-urlencoded", headers: headers))
  }

  /// `POST /oauth/token` with `fields`.
  func oauthToken(_ fields: [(String, String)], headers: [String: String] = [:]) async throws -> Answer<OAuthTokenResponse> {
    try await form("/oauth/token", fields, as: OAuthTokenResponse.self, headers: headers)
  }

  /// The password grant for the client's user (or with `password`).
  func passwordGrant(_ client: OAuthClient, password: String? = nil) async throws -> Answer<OAuthTokenResponse> {
    try await oauthToken([
      ("grant_type", "password"), ("client_id", client.clientID),
      ("username", client.account.username), ("password", password ?? client.account.password),
    ])
  }
}
