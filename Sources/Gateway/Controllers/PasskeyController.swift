import Hummingbird
import Shared

/// Passkeys' JSON API (docs/passkeys.md): the caller registers, lists, renames and removes
/// theirs (adding and removing behind the account-security gate), and anyone signs in with one.
/// Sign-in ceremonies count against the sign-in limit per client address.
struct PasskeyController: Sendable {
  let rpc: RPCClient
  let limits: RateLimits

  /// `auth` is `/api/v1/auth`, `me` `/api/v1/users/me` behind the signed-in check.
  func addRoutes(auth: RouterGroup<GatewayRequestContext>, me: RouterGroup<SignedInContext>) {
    auth.post("passkey/options", use: signInOptions)
      .post("passkey", use: signIn)
    me.post("passkeys/options", use: registrationOptions)
      .post("passkeys", use: register)
      .get("passkeys", use: list)
      .patch("passkeys/:id", use: rename)
      .delete("passkeys/:id", use: remove)
  }

  @Sendable func registrationOptions(_ request: Request, context: SignedInContext) async throws -> Response {
    let body = try await Self.proof(request)
    try await context.reauthenticate("passkey_enrol", password: body.currentPassword, request: request, rpc: rpc)
    return try JSONResponse.make(try await rpc.call(TokenRPC.passkeyRegistrationOptions, NoRequest(), context: context.rpcContext))
  }

  @Sendable func register(_ request: Request, context: SignedInContext) async throws -> Response {
    let body = try await JSONBody.decode(RegisterPasskeyBody.self, from: request)
    let view = try await rpc.call(
      TokenRPC.registerPasskey, RegisterPasskeyRequest(body: body, client: context.client(request)), context: context.rpcContext)
    return try JSONResponse.make(view, status: .created)
  }

  @Sendable func list(_ request: Request, context: SignedInContext) async throws -> Response {
    try JSONResponse.make(try await rpc.call(TokenRPC.passkeys, NoRequest(), context: context.rpcContext))
  }

  @Sendable func rename(_ request: Request, context: SignedInContext) async throws -> Response {
    let body = try await JSONBody.decode(RenamePasskeyBody.self, from: request)
    let id = try context.parameters.require("id")
    return try JSONResponse.make(
      try await rpc.call(TokenRPC.renamePasskey, RenamePasskeyRequest(id: id, name: body.name), context: context.rpcContext))
  }

  /// Removing a way in: the account-security gate first (`current_password` in the body, or a recent second factor).
  @Sendable func remove(_ request: Request, context: SignedInContext) async throws -> Response {
    let body = try await Self.proof(request)
    try await context.reauthenticate("passkey_remove", password: body.currentPassword, request: request, rpc: rpc)
    let id = try context.parameters.require("id")
    _ = try await rpc.call(
      TokenRPC.removePasskey, RemovePasskeyRequest(id: id, client: context.client(request)), context: context.rpcContext)
    return Response(status: .noContent)
  }

  @Sendable func signInOptions(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    let body = try await JSONBody.decode(PasskeySignInOptionsBody.self, from: request)
    _ = try await limits.enforce([(limits.login, "ip:\(context.client(request).ip ?? "unknown")")])
    return try JSONResponse.make(try await rpc.call(TokenRPC.passkeySignInOptions, body, context: context.rpcContext))
  }

  @Sendable func signIn(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    let body = try await JSONBody.decode(PasskeySignInBody.self, from: request)
    let grant = try await rpc.call(
      TokenRPC.passkeySignIn, PasskeySignInRequest(body: body, client: context.client(request)), context: context.rpcContext)
    return try TokenResponseBody.response(for: grant)
  }

  /// The gate's proof from an optional body.
  static func proof(_ request: Request) async throws -> PasskeyOptionsBody {
    request.headers[.contentType] == nil
      ? PasskeyOptionsBody(currentPassword: nil) : try await JSONBody.decode(PasskeyOptionsBody.self, from: request)
  }
}
