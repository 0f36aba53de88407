import Hummingbird
import Shared

/// The context of a route that acts for a signed-in user. SignedInMiddleware has verified the
/// bearer token, refused a client's own token and counted the call against the user's limit, so
/// the handler gets the caller instead of asking for it.
struct SignedInContext: GatewayChildContext {
  var coreContext: CoreRequestContextStorage
  let parent: GatewayRequestContext
  /// The verified caller.
  let user: AccessTokenClaims
  /// The caller as the services read it from each RPC's envelope (`RPCRequestContext.principal`).
  let principal: Principal

  init(context: GatewayRequestContext) throws {
    // Only reached without a caller if a route group left out SignedInMiddleware: refuse as it would.
    guard let user = context.caller else { throw BearerChallenge(AccessTokenVerifier.missingBearer) }
    self.coreContext = context.coreContext
    self.parent = context
    self.user = user
    self.principal = Principal(claims: user)
  }

  /// RPCs made for this caller carry it as their principal.
  var rpcContext: RPCCallContext { RPCCallContext(requestID: requestID, traceparent: traceparent, principal: principal) }

  /// The caller of an admin route of one service (AdminAccess.session).
  func adminSession() throws -> AdminActor { try AdminAccess.session(user) }

  /// The caller of an admin route that needs a platform role (AdminAccess.platformAdmin).
  func platformAdmin() throws -> AdminActor { try AdminAccess.platformAdmin(user) }

  /// Before a change of how the account signs in (docs/social.md, "Linked accounts"):
  /// token-service checks the token is a first-party service's and its session proved who is
  /// there recently (`password`, sent with the request, or a second factor).
  func reauthenticate(_ purpose: String, password: String?, request: Request, rpc: RPCClient) async throws {
    _ = try await rpc.call(
      TokenRPC.reauthenticate, ReauthenticationRequest(purpose: purpose, currentPassword: password, client: client(request)),
      context: rpcContext)
  }

  /// Sets the caller's identity-verification phone number (and, for a new profile, the PIN):
  /// the number decides who answers service providers for this person, so it passes the
  /// account-security gate first (docs/security.md). The JSON API and the console both come here;
  /// the password stays at the gateway (PutIdentityProfile drops it).
  func putIdentityProfile(_ body: IdentityProfileBody, request: Request, rpc: RPCClient) async throws -> IdentityProfileView {
    try await reauthenticate("identity_phone", password: body.currentPassword, request: request, rpc: rpc)
    return try await rpc.call(IdPRPC.putProfile, PutIdentityProfile(body: body, client: client(request)), context: rpcContext)
  }
}
