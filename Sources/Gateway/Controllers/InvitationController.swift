import Hummingbird
import Shared

/// Accepting an invitation (docs/admin.md, "Members"): `POST /api/v1/auth/invitations/accept`,
/// and the mailed link's page `GET|POST /invitations/accept?token=`, which names the service and
/// the address and asks for a username and a password. Counted against the registration limit.
struct InvitationController: Sendable {
  let rpc: RPCClient
  let limits: RateLimits
  let pages: HostedPages

  func addRoutes(auth: RouterGroup<GatewayRequestContext>, pages group: RouterGroup<GatewayRequestContext>) {
    auth.post("invitations/accept", use: accept)
    group.get("invitations/accept", use: page)
      .post("invitations/accept", use: acceptOnPage)
  }

  @Sendable func accept(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    let body = try await JSONBody.decode(AcceptInvitationBody.self, from: request)
    _ = try await limits.enforce([(limits.register, "ip:\(context.client(request).ip ?? "unknown")")])
    let created = try await rpc.call(
      TokenRPC.acceptInvitation, AcceptInvitationRequest(body: body, client: context.client(request)), context: context.rpcContext)
    return try JSONResponse.make(created, status: .created)
  }

  /// The link's page: a refused link (used, expired, unknown) is the error page saying so.
  @Sendable func page(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    await pages.catching(request, context) {
      let token = Query.optional(request, "token") ?? ""
      let invitation = try await rpc.call(TokenRPC.invitation, InvitationLookup(token: token), context: context.rpcContext)
      return show("invitation_accept", request, context, invitation, values: ["token": token])
    }
  }

  @Sendable func acceptOnPage(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    await pages.catching(request, context) {
      let form = try await BrowserCookies.form(request)
      let token = form["token"] ?? ""
      let invitation = try await rpc.call(TokenRPC.invitation, InvitationLookup(token: token), context: context.rpcContext)
      let body = AcceptInvitationBody(
        token: token, username: form["username"] ?? "", password: form["password"] ?? "",
        firstName: form["first_name"].flatMap { $0.isEmpty ? nil : $0 })
      guard body.password == form["password_confirmation"] else {
        return show("invitation_accept", request, context, invitation, values: ["token": token, "mismatch": true])
      }
      do {
        _ = try await limits.enforce([(limits.register, "ip:\(context.client(request).ip ?? "unknown")")])
        _ = try await rpc.call(
          TokenRPC.acceptInvitation, AcceptInvitationRequest(body: body, client: context.client(request)), context: context.rpcContext)
        return show("invitation_accepted", request, context, invitation)
      } catch let problem as Problem where problem.statusCode == 422 || problem.statusCode == 409 {
        // The account's rules (a taken name, a weak password): said on the form, what was typed kept.
        return show(
          "invitation_accept", request, context, invitation, values: ["token": token], problem: problem,
          typed: ["username": body.username, "first_name": body.firstName ?? ""])
      }
    }
  }

  private func show(
    _ name: String, _ request: Request, _ context: GatewayRequestContext, _ invitation: InvitationView, values: [String: Any] = [:],
    problem: Problem? = nil, typed: [String: String] = [:]
  ) -> Response {
    var view = PageView(
      name: name, serviceName: invitation.serviceName, problem: problem, languages: BrowserCookies.acceptLanguages(request))
    view.typed = typed
    var all = values
    all["email"] = invitation.email
    all["role"] = invitation.role
    return pages.page(view, request: request, context: context, values: all)
  }
}
