/// token-service's RPC methods.
public enum TokenRPC {
  /// The public signing keys, as a JWK Set (RFC 7517): current, next and recently retired.
  public static let jwks = RPCMethod<NoRequest, JWKSet>(service: .token, name: "jwks")
}

/// For methods that take no input.
public struct NoRequest: Codable, Sendable {
  public init() {}
}

/// A JWK Set of public keys.
public struct JWKSet: Codable, Sendable, Equatable {
  public var keys: [PublicJWK]
  public init(keys: [PublicJWK]) { self.keys = keys }
}

/// One public elliptic-curve signing key as a JWK (RFC 7517/7518).
public struct PublicJWK: Codable, Sendable, Equatable {
  public var kty: String
  public var crv: String
  public var x: String
  public var y: String
  public var kid: String
  public var alg: String
  public var use: String

  public init(kty: String, crv: String, x: String, y: String, kid: String, alg: String, use: String) {
    self.kty = kty
    self.crv = crv
    self.x = x
    self.y = y
    self.kid = kid
    self.alg = alg
    self.use = use
  }
}

extension TokenRPC {
  /// Every origin some open service allows, for the gateway's CORS answers.
  public static let allowedOrigins = RPCMethod<NoRequest, OriginList>(service: .token, name: "allowed_origins")
}

public struct OriginList: Codable, Sendable, Equatable {
  public var origins: [String]
  public init(origins: [String]) { self.origins = origins }
}
