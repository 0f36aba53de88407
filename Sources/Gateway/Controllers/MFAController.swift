import Hummingbird
import Shared

/// TOTP MFA (docs/admin.md, "TOTP MFA"): enrolment and removal under `/api/v1/users/me/mfa/totp`,
/// new backup codes at `/api/v1/users/me/mfa/backup-codes`, a SUPER_ADMIN's reset at
/// `/api/v1/users/{user_id}/mfa`, and `POST /api/v1/auth/mfa/verify`, which completes a sign-in
/// (with `mfa_token`) or steps up the caller's session (with its access token).
struct MFAController: Sendable {
  let rpc: RPCClient
  let verifier: AccessTokenVerifier
  let limits: RateLimits

  /// `users` is `/api/v1/users` for a signed-in caller, `auth` is `/api/v1/auth`.
  func addRoutes(users: RouterGroup<SignedInContext>, auth: RouterGroup<GatewayRequestContext>) {
    users.post("me/mfa/totp", use: startTOTP)
      .post("me/mfa/totp/enable", use: enableTOTP)
      .delete("me/mfa/totp", use: disableTOTP)
      .post("me/mfa/backup-codes", use: replaceBackupCodes)
      .delete(":user_id/mfa", use: reset)
    auth.post("mfa/verify", use: verify)
      .post("mfa/passkey/options", use: passkeyOptions)
  }

  /// Options for a passkey as the second step of the sign-in an `mfa_token` waits on.
  @Sendable func passkeyOptions(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    let body = try await JSONBody.decode(MFAPasskeyOptionsBody.self, from: request)
    _ = try await limits.enforce([(limits.login, "mfa:\(context.client(request).ip ?? "unknown")")])
    return try JSONResponse.make(try await rpc.call(TokenRPC.mfaPasskeyOptions, body, context: context.rpcContext))
  }

  @Sendable func startTOTP(_ request: Request, context: SignedInContext) async throws -> Response {
    let body = request.headers[.contentType] == nil ? MFACodeBody() : try await JSONBody.decode(MFACodeBody.self, from: request)
    return try await relay(TokenRPC.startTOTP, request, context, body)
  }

  @Sendable func enableTOTP(_ request: Request, context: SignedInContext) async throws -> Response {
    let body = try await JSONBody.decode(MFACodeBody.self, from: request)
    return try await relay(TokenRPC.enableTOTP, request, context, body)
  }

  @Sendable func disableTOTP(_ request: Request, context: SignedInContext) async throws -> Response {
    let body = try await JSONBody.decode(MFACodeBody.self, from: request)
    return try await relay(TokenRPC.disableTOTP, request, context, body)
  }

  @Sendable func replaceBackupCodes(_ request: Request, context: SignedInContext) async throws -> Response {
    let body = try await JSONBody.decode(MFACodeBody.self, from: request)
    return try await relay(TokenRPC.replaceBackupCodes, request, context, body)
  }

  /// A SUPER_ADMIN's (or SERVICE_ADMIN's, as token-service decides) reset of someone's MFA.
  @Sendable func reset(_ request: Request, context: SignedInContext) async throws -> Response {
    _ = try context.platformAdmin()
    let reset = MFAResetRequest(userID: try context.parameters.require("user_id"))
    return JSONResponse.relayed(try await rpc.relay(TokenRPC.resetMFA, reset, context: context.rpcContext))
  }

  /// With `mfa_token`: the second step of a sign-in. Without: a step-up of the session whose
  /// access token comes with it.
  @Sendable func verify(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    let body = try await JSONBody.decode(MFAVerifyBody.self, from: request)
    guard let mfaToken = body.mfaToken else {
      let user = try await verifier.signedInUser(request, context: context)
      var call = context.rpcContext
      call.principal = Principal(claims: user)
      let proof = MFARequest(body: body.proof, client: context.client(request))
      let stepUp = try await rpc.call(TokenRPC.stepUpMFA, proof, context: call)
      return try JSONResponse.make(stepUp)
    }
    let ip = context.client(request).ip ?? "unknown"
    _ = try await limits.enforce([(limits.login, "mfa:\(ip)")])
    let grant = try await rpc.call(
      TokenRPC.verifyMFA, MFAVerifyRequest(mfaToken: mfaToken, proof: body.proof, client: context.client(request)),
      context: context.rpcContext)
    return try TokenResponseBody.response(for: grant)
  }

  /// The caller's MFA request to token-service, its answer passed on as it is.
  private func relay<Answer: Codable & Sendable>(
    _ method: RPCMethod<MFARequest, Answer>, _ request: Request, _ context: SignedInContext,
    _ body: MFACodeBody
  ) async throws -> Response {
    let call = MFARequest(body: body, client: context.client(request))
    return JSONResponse.relayed(try await rpc.relay(method, call, context: context.rpcContext))
  }
}
