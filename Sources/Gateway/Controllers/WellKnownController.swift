import Hummingbird
import Shared

/// `/.well-known/jwks.json` and `/.well-known/openid-configuration`: public, cacheable, readable
/// from any origin (CORSMiddleware).
struct WellKnownController: Sendable {
  let keys: JWKSCache
  let issuer: String

  func addRoutes(to group: RouterGroup<GatewayRequestContext>) {
    group.get("jwks.json", use: jwks)
      .get("openid-configuration", use: openIDConfiguration)
  }

  @Sendable func jwks(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    let set = try await keys.keys(context: context.rpcContext)
    var response = try JSONResponse.make(set)
    response.headers[.contentType] = "application/jwk-set+json"
    response.headers[.cacheControl] = "public, max-age=60"
    return response
  }

  @Sendable func openIDConfiguration(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    var response = try JSONResponse.make(DiscoveryDocument(issuer: issuer))
    response.headers[.cacheControl] = "public, max-age=3600"
    return response
  }
}

/// The issuer's metadata (OpenID Connect Discovery 1.0, RFC 8414, RFC 9207): every field
/// Discovery marks required or recommended for what Gatehouse offers (docs/oidc.md).
struct DiscoveryDocument: Encodable {
  let issuer: String
  let authorizationEndpoint: String
  let tokenEndpoint: String
  let userinfoEndpoint: String
  let jwksURI: String
  let endSessionEndpoint: String
  let revocationEndpoint: String
  let introspectionEndpoint: String
  let responseTypesSupported = ["code"]
  let responseModesSupported = ["query", "form_post"]
  let grantTypesSupported = ["authorization_code", "refresh_token", "password", "client_credentials"]
  let codeChallengeMethodsSupported = ["S256"]
  let tokenEndpointAuthMethodsSupported = ["client_secret_basic", "client_secret_post", "none"]
  let revocationEndpointAuthMethodsSupported = ["client_secret_basic", "client_secret_post", "none"]
  let introspectionEndpointAuthMethodsSupported = ["client_secret_basic", "client_secret_post"]
  let scopesSupported = ["openid", "profile", "email", "offline_access"]
  let claimsSupported = [
    "iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "azp", "at_hash", "sid", "name", "preferred_username",
    "email", "email_verified",
  ]
  let subjectTypesSupported = ["public", "pairwise"]
  let idTokenSigningAlgValuesSupported = ["ES256"]
  let acrValuesSupported = ["urn:gatehouse:acr:1fa", "urn:gatehouse:acr:mfa"]
  let promptValuesSupported = ["none", "login", "consent", "select_account"]
  let uiLocalesSupported = ["en", "ko"]
  let claimsParameterSupported = false
  let requestParameterSupported = false
  let requestURIParameterSupported = false
  let authorizationResponseIssParameterSupported = true

  init(issuer: String) {
    self.issuer = issuer
    authorizationEndpoint = issuer + "/oauth/authorize"
    tokenEndpoint = issuer + "/oauth/token"
    userinfoEndpoint = issuer + "/oauth/userinfo"
    jwksURI = issuer + "/.well-known/jwks.json"
    endSessionEndpoint = issuer + "/oauth/logout"
    revocationEndpoint = issuer + "/oauth/revoke"
    introspectionEndpoint = issuer + "/oauth/introspect"
  }

  enum CodingKeys: String, CodingKey {
    case issuer
    case authorizationEndpoint = "authorization_endpoint"
    case tokenEndpoint = "token_endpoint"
    case userinfoEndpoint = "userinfo_endpoint"
    case jwksURI = "jwks_uri"
    case endSessionEndpoint = "end_session_endpoint"
    case revocationEndpoint = "revocation_endpoint"
    case introspectionEndpoint = "introspection_endpoint"
    case responseTypesSupported = "response_types_supported"
    case responseModesSupported = "response_modes_supported"
    case grantTypesSupported = "grant_types_supported"
    case codeChallengeMethodsSupported = "code_challenge_methods_supported"
    case tokenEndpointAuthMethodsSupported = "token_endpoint_auth_methods_supported"
    case revocationEndpointAuthMethodsSupported = "revocation_endpoint_auth_methods_supported"
    case introspectionEndpointAuthMethodsSupported = "introspection_endpoint_auth_methods_supported"
    case scopesSupported = "scopes_supported"
    case claimsSupported = "claims_supported"
    case subjectTypesSupported = "subject_types_supported"
    case idTokenSigningAlgValuesSupported = "id_token_signing_alg_values_supported"
    case acrValuesSupported = "acr_values_supported"
    case promptValuesSupported = "prompt_values_supported"
    case uiLocalesSupported = "ui_locales_supported"
    case claimsParameterSupported = "claims_parameter_supported"
    case requestParameterSupported = "request_parameter_supported"
    case requestURIParameterSupported = "request_uri_parameter_supported"
    case authorizationResponseIssParameterSupported = "authorization_response_iss_parameter_supported"
  }
}
