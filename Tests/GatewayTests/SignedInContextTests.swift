import Hummingbird
import Logging
import NIOEmbedded
import Shared
import Testing

@testable import Gateway

/// What SignedInContext hands the handlers and, through each RPC's envelope, the services.
@Suite(.timeLimit(.minutes(2))) struct SignedInContextTests {
  static let claims = AccessTokenClaims(
    iss: "https://gatehouse.test", sub: "0b7c3c52-5d2f-4a0e-9a43-1f0d7a1e2c11", aud: "shop", exp: 2_000_000_000, iat: 1_000_000_000,
    nbf: 1_000_000_000, jti: "j1", sid: "5e0e7a3c-7e0a-4d43-9f53-2a2c1b3c4d5e", clientID: "gh_shop_web", scope: "openid profile",
    roles: ["MEMBER"], tv: 1)

  static func parent() -> GatewayRequestContext {
    var context = GatewayRequestContext(source: .init(channel: EmbeddedChannel(), logger: Logger(label: "gateway-tests")))
    context.requestID = "r1"
    return context
  }

  @Test func theVerifiedCallerIsEveryRPCsPrincipal() throws {
    var parent = Self.parent()
    parent.caller = Self.claims
    let context = try SignedInContext(context: parent)
    #expect(context.user == Self.claims && context.requestID == "r1")
    let principal = try #require(context.rpcContext.principal)
    #expect(principal.userID == Self.claims.sub && principal.serviceSlug == "shop" && principal.sessionID == Self.claims.sid)
    #expect(principal.clientID == "gh_shop_web" && principal.roles == ["MEMBER"] && principal.scopes == ["openid", "profile"])
    #expect(context.rpcContext.requestID == "r1")
    // Routes without a verified caller send none.
    #expect(Self.parent().rpcContext.principal == nil)
  }

  @Test func withoutSignedInMiddlewareThereIsNoContext() {
    #expect(throws: BearerChallenge.self) { try SignedInContext(context: Self.parent()) }
  }
}
