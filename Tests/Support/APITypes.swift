import Foundation

@testable import Shared

// Decodable mirrors of answers whose types in Sources are Encodable only or private to an
// executable. Optional where the answer may leave a member out, so a test can say it is absent.

/// The gateway's token response (Gateway's `TokenResponseBody`): sign-in, refresh, MFA verify.
struct TokenAnswer: Decodable, Sendable {
  var accessToken: String
  var tokenType: String
  var expiresIn: Int
  /// Absent for web clients: theirs is in the cookie.
  var refreshToken: String?
  var user: UserSummary
  var service: ServiceSummary

  enum CodingKeys: String, CodingKey {
    case accessToken = "access_token"
    case tokenType = "token_type"
    case expiresIn = "expires_in"
    case refreshToken = "refresh_token"
    case user, service
  }
}

/// `GET /api/v1/auth/verify`'s answer (Gateway's `VerifiedToken`).
struct VerifiedTokenAnswer: Decodable, Sendable {
  var valid: Bool
  var claims: AccessTokenClaims
}

/// A JWS's protected header.
struct JOSEHeader: Decodable, Sendable {
  var alg: String
  var typ: String?
  var kid: String?
}

/// The plaintext of an SP's result JWE (idp-service's `ResultPayload`), as the SP opens it.
struct ResultPayload: Decodable, Sendable {
  var transactionID: String
  var authCode: String
  /// Only for an SP the operator allowed it.
  var ci: String?
  var di: String?
  var completedAt: Date?

  enum CodingKeys: String, CodingKey {
    case transactionID = "transaction_id"
    case authCode = "auth_code"
    case ci, di
    case completedAt = "completed_at"
  }
}

/// What Tests/python/verify_token.py prints for a token PyJWT accepted.
struct PyJWTChecked: Decodable, Sendable {
  var header: JOSEHeader
  var claims: AccessTokenClaims
}

extension ServiceSettingsBody {
  /// A create (`slug`, `name`, `type` required) or a change (only the fields to change).
  init(
    slug: String? = nil, name: String? = nil, type: String? = nil, status: String? = nil, allowedOrigins: [String]? = nil,
    redirectURIs: [String]? = nil, socialProviders: [String]? = nil, allowedClientTypes: [String]? = nil,
    accessTokenTTLSeconds: Int? = nil, refreshTokenTTLSeconds: Int? = nil, sessionIdleTimeoutSeconds: Int? = nil,
    autoCreateUser: Bool? = nil, requireEmailVerification: Bool? = nil, requireAdminMFA: Bool? = nil, ownerUserID: String? = nil
  ) {
    self.init()
    self.slug = slug
    self.name = name
    self.type = type
    self.status = status
    self.allowedOrigins = allowedOrigins
    self.redirectURIs = redirectURIs
    self.socialProviders = socialProviders
    self.allowedClientTypes = allowedClientTypes
    self.accessTokenTTLSeconds = accessTokenTTLSeconds
    self.refreshTokenTTLSeconds = refreshTokenTTLSeconds
    self.sessionIdleTimeoutSeconds = sessionIdleTimeoutSeconds
    self.autoCreateUser = autoCreateUser
    self.requireEmailVerification = requireEmailVerification
    self.requireAdminMFA = requireAdminMFA
    self.ownerUserID = ownerUserID
  }
}

/// `POST /api/v1/users/me/social-accounts/{provider}`'s body (Gateway's `SocialController.LinkStart`).
struct LinkStartBody: Encodable, Sendable {
  var redirectURI: String
  var state: String?
  var currentPassword: String?

  enum CodingKeys: String, CodingKey {
    case redirectURI = "redirect_uri"
    case currentPassword = "current_password"
    case state
  }
}

/// Its answer (Gateway's `SocialController.LinkStarted`).
struct LinkStartedAnswer: Decodable, Sendable {
  var authorizeURL: String

  enum CodingKeys: String, CodingKey {
    case authorizeURL = "authorize_url"
  }
}

/// `POST /api/v1/users/me/social-accounts/{provider}/complete`'s body (Gateway's `SocialController.LinkCode`).
struct LinkCodeBody: Encodable, Sendable {
  var linkCode: String
  var currentPassword: String?

  enum CodingKeys: String, CodingKey {
    case linkCode = "link_code"
    case currentPassword = "current_password"
  }
}

/// An OAuth 2.0 error answer (RFC 6749 section 5.2), as `/oauth/token` and `/oauth/introspect` give it.
struct OAuthErrorAnswer: Decodable, Sendable {
  var error: String
  var errorDescription: String?

  enum CodingKeys: String, CodingKey {
    case error
    case errorDescription = "error_description"
  }
}

/// What Tests/python/social_fakes.py's `GET /_control/apple/client` answers: the team's key.
struct AppleFakeClient: Decodable, Sendable {
  var teamID: String
  var keyID: String
  var privateKeyPEM: String

  enum CodingKeys: String, CodingKey {
    case teamID = "team_id"
    case keyID = "key_id"
    case privateKeyPEM = "private_key_pem"
  }
}

/// One request Tests/python/social_fakes.py received (`GET /_control/requests` answers a list,
/// oldest first). A query parameter sent more than once is a list there.
struct FakeProviderRequest: Decodable, Sendable {
  var provider: String
  var method: String
  var path: String
  var query: [String: QueryValue]
  var headers: [String: String]

  enum QueryValue: Decodable, Sendable, Equatable {
    case one(String)
    case many([String])

    init(from decoder: any Decoder) throws {
      let container = try decoder.singleValueContainer()
      if let one = try? container.decode(String.self) { self = .one(one) } else { self = .many(try container.decode([String].self)) }
    }
  }
}

extension Answer {
  /// The body as an OAuth 2.0 error; nil when it is not one.
  var oauthError: OAuthErrorAnswer? { decodeJSON(OAuthErrorAnswer.self, from: body) }
}

/// `GET /.well-known/openid-configuration` (Gateway's discovery document), the members tests read.
struct DiscoveryDocument: Decodable, Sendable {
  var issuer: String
  var jwksURI: String
  var tokenEndpoint: String
  var revocationEndpoint: String
  var introspectionEndpoint: String
  var grantTypesSupported: [String]

  enum CodingKeys: String, CodingKey {
    case issuer
    case jwksURI = "jwks_uri"
    case tokenEndpoint = "token_endpoint"
    case revocationEndpoint = "revocation_endpoint"
    case introspectionEndpoint = "introspection_endpoint"
    case grantTypesSupported = "grant_types_supported"
  }
}

/// `GET /readyz`'s report (Gateway's `ReadinessCheck.Report`).
struct ReadinessReport: Decodable, Sendable {
  var status: String
  var checks: [String: Dependency]

  struct Dependency: Decodable, Sendable {
    var ok: Bool
    var latencyMs: Double?
    var instance: String?
    var error: String?

    enum CodingKeys: String, CodingKey {
      case ok, instance, error
      case latencyMs = "latency_ms"
    }
  }
}
