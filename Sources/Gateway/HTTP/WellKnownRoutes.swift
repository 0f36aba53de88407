import Hummingbird
import Shared

/// `/.well-known/jwks.json` and `/.well-known/openid-configuration`.
enum WellKnownRoutes {
    static func add(to router: Router<GatewayRequestContext>, keys: JWKSCache, issuer: String) {
        router.get(".well-known/jwks.json") { _, context in
            let set = try await keys.keys(context: RPCCallContext(requestID: context.requestID))
            var response = try JSONResponse.make(set)
            response.headers[.contentType] = "application/jwk-set+json"
            response.headers[.cacheControl] = "public, max-age=60"
            return response
        }
        router.get(".well-known/openid-configuration") { _, _ in
            var response = try JSONResponse.make(DiscoveryDocument(issuer: issuer))
            response.headers[.cacheControl] = "public, max-age=3600"
            return response
        }
    }
}

/// What the issuer offers so far; each endpoint joins the document with the issue that builds it.
struct DiscoveryDocument: Encodable {
    let issuer: String
    var jwksURI: String { issuer + "/.well-known/jwks.json" }
    let tokenSigningAlgorithms = ["ES256"]

    enum CodingKeys: String, CodingKey {
        case issuer
        case jwksURI = "jwks_uri"
        case tokenSigningAlgorithms = "id_token_signing_alg_values_supported"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(issuer, forKey: .issuer)
        try container.encode(jwksURI, forKey: .jwksURI)
        try container.encode(tokenSigningAlgorithms, forKey: .tokenSigningAlgorithms)
    }
}
