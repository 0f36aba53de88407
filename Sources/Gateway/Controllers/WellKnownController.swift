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

/// The issuer's metadata (OpenID Connect Discovery 1.0, RFC 8414): what it offers so far; each
/// endpoint joins the document with the issue that builds it.
struct DiscoveryDocument: Encodable {
  let issuer: String
  let jwksURI: String
  let tokenEndpoint: String
  let revocationEndpoint: String
  let introspectionEndpoint: String
  let grantTypesSupported = ["password", "refresh_token", "client_credentials", "authorization_code"]
  let tokenEndpointAuthMethodsSupported = ["client_secret_basic", "client_secret_post", "none"]
  let revocationEndpointAuthMethodsSupported = ["client_secret_basic", "client_secret_post", "none"]
  let introspectionEndpointAuthMethodsSupported = ["client_secret_basic", "client_secret_post"]
  let scopesSupported = ["openid", "profile", "email", "service"]
  let subjectTypesSupported = ["public"]
  let idTokenSigningAlgValuesSupported = ["ES256"]

  init(issuer: String) {
    self.issuer = issuer
    jwksURI = issuer + "/.well-known/jwks.json"
    tokenEndpoint = issuer + "/oauth/token"
    revocationEndpoint = issuer + "/oauth/revoke"
    introspectionEndpoint = issuer + "/oauth/introspect"
  }

  enum CodingKeys: String, CodingKey {
    case issuer
    case jwksURI = "jwks_uri"
    case tokenEndpoint = "token_endpoint"
    case revocationEndpoint = "revocation_endpoint"
    case introspectionEndpoint = "introspection_endpoint"
    case grantTypesSupported = "grant_types_supported"
    case tokenEndpointAuthMethodsSupported = "token_endpoint_auth_methods_supported"
    case revocationEndpointAuthMethodsSupported = "revocation_endpoint_auth_methods_supported"
    case introspectionEndpointAuthMethodsSupported = "introspection_endpoint_auth_methods_supported"
    case scopesSupported = "scopes_supported"
    case subjectTypesSupported = "subject_types_supported"
    case idTokenSigningAlgValuesSupported = "id_token_signing_alg_values_supported"
  }
}
