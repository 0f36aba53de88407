import Hummingbird
import Shared

/// Account recovery's JSON API (docs/recovery.md): opening a mailed link's token, asking for a
/// password reset or the verification mail again, and setting the new password.
struct RecoveryController: Sendable {
  let rpc: RPCClient
  let limits: RateLimits

  /// `auth` is `/api/v1/auth`, `me` `/api/v1/users/me` behind the signed-in check.
  func addRoutes(auth: RouterGroup<GatewayRequestContext>, me: RouterGroup<SignedInContext>) {
    auth.post("email/verify", use: verifyEmail)
      .post("email/verification", use: requestVerification)
      .post("password/forgot", use: forgotPassword)
      .post("password/reset", use: resetPassword)
    me.post("email/verification", use: resendVerification)
      .post("email", use: changeEmail)
  }

  @Sendable func verifyEmail(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    let body = try await JSONBody.decode(MailedTokenBody.self, from: request)
    let verified = try await rpc.call(
      TokenRPC.verifyEmail, MailedTokenRequest(body: body, client: context.client(request)), context: context.rpcContext)
    return try JSONResponse.make(verified)
  }

  /// 202 whether or not an account has the address (or it is verified already); counted with
  /// the password-reset requests, per client address and per address.
  @Sendable func requestVerification(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    let body = try await JSONBody.decode(VerificationMailBody.self, from: request)
    try await limits.enforcePasswordReset(ip: context.client(request).ip, email: body.email)
    let accepted = try await rpc.call(
      TokenRPC.requestVerification, VerificationMailRequest(body: body, client: context.client(request)), context: context.rpcContext)
    return try JSONResponse.make(accepted, status: .accepted)
  }

  /// 202 whether or not an account has the address; counted per client address and per address.
  @Sendable func forgotPassword(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    let body = try await JSONBody.decode(ForgotPasswordBody.self, from: request)
    try await limits.enforcePasswordReset(ip: context.client(request).ip, email: body.email)
    let accepted = try await rpc.call(
      TokenRPC.forgotPassword, ForgotPasswordRequest(body: body, client: context.client(request)), context: context.rpcContext)
    return try JSONResponse.make(accepted, status: .accepted)
  }

  @Sendable func resetPassword(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    let body = try await JSONBody.decode(ResetPasswordBody.self, from: request)
    let done = try await rpc.call(
      TokenRPC.resetPassword, ResetPasswordRequest(body: body, client: context.client(request)), context: context.rpcContext)
    return try JSONResponse.make(done)
  }

  /// The new address waits for its link; the account-security gate first (first-party app, and
  /// `current_password` or a recent second factor).
  @Sendable func changeEmail(_ request: Request, context: SignedInContext) async throws -> Response {
    let body = try await JSONBody.decode(ChangeEmailBody.self, from: request)
    try await context.reauthenticate("email_change", password: body.currentPassword, request: request, rpc: rpc)
    let accepted = try await rpc.call(
      TokenRPC.changeEmail, ChangeEmailRequest(email: body.email, client: context.client(request)), context: context.rpcContext)
    return try JSONResponse.make(accepted, status: .accepted)
  }

  @Sendable func resendVerification(_ request: Request, context: SignedInContext) async throws -> Response {
    let accepted = try await rpc.call(
      TokenRPC.resendVerification, ResendVerificationRequest(client: context.client(request)), context: context.rpcContext)
    return try JSONResponse.make(accepted, status: .accepted)
  }
}
