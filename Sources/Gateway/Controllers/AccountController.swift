import Hummingbird
import Shared

/// `/api/v1/users/me*`: the signed-in user's own account (docs/accounts.md).
struct AccountController: Sendable {
  let rpc: RPCClient

  func addRoutes(to group: RouterGroup<SignedInContext>) {
    group.get(use: profile)
      .patch(use: updateProfile)
      .delete(use: deleteAccount)
      .post("password", use: changePassword)
      .get("sessions", use: sessions)
      .get("sign-ins", use: signIns)
      .get("agreements", use: agreements)
      .put("agreements/:kind", use: changeAgreement)
      .delete("sessions/:id", use: endSession)
      .delete("browser-sessions/:id", use: endBrowserSession)
      .get("consents", use: consents)
      .delete("consents/:service", use: revokeConsent)
  }

  @Sendable func profile(_ request: Request, context: SignedInContext) async throws -> Response {
    let profile = try await rpc.call(TokenRPC.me, NoRequest(), context: context.rpcContext)
    return try JSONResponse.make(profile)
  }

  @Sendable func updateProfile(_ request: Request, context: SignedInContext) async throws -> Response {
    let changes = try await JSONBody.decode(ProfileChanges.self, from: request)
    let profile = try await rpc.call(TokenRPC.updateProfile, UpdateProfileRequest(changes: changes), context: context.rpcContext)
    return try JSONResponse.make(profile)
  }

  /// Leaving (docs/leaving.md): `{current_password}`, or `{}` after a second factor within 10 minutes.
  @Sendable func deleteAccount(_ request: Request, context: SignedInContext) async throws -> Response {
    let body = try await JSONBody.decode(AccountDeletionBody.self, from: request)
    let deleted = try await rpc.call(
      TokenRPC.deleteAccount, AccountDeletionRequest(body: body, client: context.client(request)), context: context.rpcContext)
    return try JSONResponse.make(deleted)
  }

  @Sendable func changePassword(_ request: Request, context: SignedInContext) async throws -> Response {
    let body = try await JSONBody.decode(PasswordChangeBody.self, from: request)
    let changed = try await rpc.call(
      TokenRPC.changePassword, ChangePasswordRequest(body: body, client: context.client(request)), context: context.rpcContext)
    return try JSONResponse.make(changed)
  }

  @Sendable func sessions(_ request: Request, context: SignedInContext) async throws -> Response {
    let list = try await rpc.call(TokenRPC.sessions, NoRequest(), context: context.rpcContext)
    return try JSONResponse.make(list)
  }

  /// The caller's sign-ins and failed attempts, newest first (docs/accounts.md, "Sign-in history").
  @Sendable func signIns(_ request: Request, context: SignedInContext) async throws -> Response {
    let page = HistoryRequest(limit: try Query.number(request, "limit", fallback: 20), cursor: Query.optional(request, "cursor"))
    return try JSONResponse.make(try await rpc.call(TokenRPC.signInHistory, page, context: context.rpcContext))
  }

  /// What the caller agreed to, by version (docs/accounts.md, "Agreements").
  @Sendable func agreements(_ request: Request, context: SignedInContext) async throws -> Response {
    try JSONResponse.make(try await rpc.call(TokenRPC.agreements, NoRequest(), context: context.rpcContext))
  }

  /// `{accepted}`: accept the current version of an agreement, or withdraw marketing.
  @Sendable func changeAgreement(_ request: Request, context: SignedInContext) async throws -> Response {
    let body = try await JSONBody.decode(AgreementBody.self, from: request)
    let change = AgreementChange(kind: try context.parameters.require("kind"), accepted: body.accepted, client: context.client(request))
    return try JSONResponse.make(try await rpc.call(TokenRPC.changeAgreement, change, context: context.rpcContext))
  }

  @Sendable func endSession(_ request: Request, context: SignedInContext) async throws -> Response {
    let id = try context.parameters.require("id")
    _ = try await rpc.call(TokenRPC.endSession, EndSessionRequest(sessionID: id), context: context.rpcContext)
    return Response(status: .noContent)
  }

  /// Signs one browser out (and every app session opened through it).
  @Sendable func endBrowserSession(_ request: Request, context: SignedInContext) async throws -> Response {
    let id = try context.parameters.require("id")
    _ = try await rpc.call(TokenRPC.endBrowserSession, EndBrowserSessionRequest(id: id), context: context.rpcContext)
    return Response(status: .noContent)
  }

  /// The third-party services the person allowed (docs/oidc.md).
  @Sendable func consents(_ request: Request, context: SignedInContext) async throws -> Response {
    try JSONResponse.make(try await rpc.call(TokenRPC.consents, NoRequest(), context: context.rpcContext))
  }

  @Sendable func revokeConsent(_ request: Request, context: SignedInContext) async throws -> Response {
    let service = try context.parameters.require("service")
    _ = try await rpc.call(TokenRPC.revokeConsent, RevokeConsentRequest(service: service), context: context.rpcContext)
    return Response(status: .noContent)
  }
}
