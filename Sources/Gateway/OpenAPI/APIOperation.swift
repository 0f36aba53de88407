import HTTPTypes
import Shared

/// One route as `/openapi.json` describes it (docs/api.md). Each area's list sits beside its
/// controller (`<Area>API.swift`); `OpenAPIDriftTests` fails when the router has a route no list
/// names, or a list names one the router lacks.
struct APIOperation: Sendable {
  enum Security: String, Sendable {
    /// `Authorization: Bearer <access token>`.
    case bearer
    /// A service provider's `client_id:client_secret` (HTTP Basic, or the `X-Client-*` headers).
    case serviceProvider
    /// A service's OAuth client credentials (HTTP Basic or form fields), or none for a public client.
    case oauthClient
    /// The browser's session cookies (the hosted pages).
    case browser
  }

  /// What a body is.
  enum Body: Sendable {
    case json(JSONSchema, name: String, mediaType: String = "application/json")
    case form(String)
    case html
    case eventStream
    case redirect
    case empty
  }

  /// A query parameter the route reads: a string unless said, optional unless said.
  struct QueryParameter: Sendable, ExpressibleByStringLiteral {
    let name: String
    var integer = false
    var required = false

    init(stringLiteral name: String) { self.name = name }
    init(_ name: String, integer: Bool = false, required: Bool = false) {
      self.name = name
      self.integer = integer
      self.required = required
    }

    static func integer(_ name: String) -> Self { .init(name, integer: true) }
    static func required(_ name: String) -> Self { .init(name, required: true) }
  }

  struct Answer: Sendable {
    let status: Int
    let summary: String
    let body: Body
  }

  let method: HTTPRequest.Method
  /// As the router writes it: `/api/v1/idp/requests/:id`.
  let path: String
  let tag: String
  let summary: String
  let security: [Security]
  let query: [QueryParameter]
  let request: Body?
  let answers: [Answer]
  /// The problems this route may answer, for each status's `code` list.
  let problems: [ProblemKind]

  init(
    _ method: HTTPRequest.Method, _ path: String, tag: String, _ summary: String, security: [Security] = [],
    query: [QueryParameter] = [], request: Body? = nil, answers: [Answer], problems: [ProblemKind] = []
  ) {
    self.method = method
    self.path = path
    self.tag = tag
    self.summary = summary
    self.security = security
    self.query = query
    self.request = request
    self.answers = answers
    self.problems = problems
  }

  /// The distinct codes of `kinds`, sorted: what a route, a status or the catalogue may answer.
  static func codes(_ kinds: some Sequence<ProblemKind>) -> [String] { Set(kinds.map(\.code)).sorted() }

  /// The path as OpenAPI writes it: `/api/v1/idp/requests/{id}` (the router takes `:id` and `{id}` alike).
  var templatePath: String { Self.template(path) }

  static func template(_ path: String) -> String {
    "/" + path.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
  }

  /// Every area's operations, in the order the document lists them.
  static var all: [APIOperation] {
    MetaAPI.operations + AuthAPI.operations + RecoveryAPI.operations + PasskeyAPI.operations + SocialAPI.operations + OAuthAPI.operations
      + IdPAPI.operations
      + AdministrationAPI.operations + PagesAPI.operations
  }
}

extension APIOperation.Body {
  /// A JSON body of a Decodable type, its schema read from the type (SchemaReflection).
  static func json<T: Decodable>(_ type: T.Type) -> Self { .json(SchemaReflection.schema(of: type), name: "\(type)") }
}

extension APIOperation.Answer {
  static func ok<T: Decodable>(_ type: T.Type, _ summary: String = "OK", status: Int = 200) -> Self {
    .init(status: status, summary: summary, body: .json(type))
  }
  /// What the RPC the handler relays answers.
  static func ok<Q, R>(_ method: RPCMethod<Q, R>, _ summary: String = "OK", status: Int = 200) -> Self {
    .ok(R.self, summary, status: status)
  }
  static let tokens = ok(TokenResponseBody.self, "Signed in: the access token, and the refresh token unless the client is web (its cookie)")
  static func noContent(_ summary: String = "Done") -> Self { .init(status: 204, summary: summary, body: .empty) }
  static func page(_ summary: String = "The page") -> Self { .init(status: 200, summary: summary, body: .html) }
  static func redirect(_ summary: String, status: Int = 303) -> Self { .init(status: status, summary: summary, body: .redirect) }
}
