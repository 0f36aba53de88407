import Hummingbird
import Shared

/// `/account/social`, the account console's linked accounts (docs/pages.md): link a provider
/// account, unlink one. Both are the JSON API's rules (docs/social.md, "Linked accounts"): the
/// console is a first-party service, the person confirms with their password, and unlinking the
/// last way to sign in is refused.
struct AccountSocialController: Sendable {
  let rpc: RPCClient
  let pages: HostedPages
  let issuer: String

  func addRoutes(to group: RouterGroup<SignedInContext>) {
    group.post("link", use: link)
      .get("linked", use: linked)
      .post("unlink", use: unlink)
  }

  /// `POST /account/social/link {provider, current_password?}`: the provider's page next
  /// (HostedPages.leaving).
  @Sendable func link(_ request: Request, context: SignedInContext) async throws -> Response {
    await pages.form(request, context.parent, refusedBackTo: "/account", section: "social") { form in
      let provider = form["provider"] ?? ""
      try await context.reauthenticate("social_link", password: form["current_password"], request: request, rpc: rpc)
      // The state names the provider; the link is safe without a secret state because only
      // the user who started it can complete it (their token with the link code).
      let redirect = try await rpc.call(
        SocialRPC.authorize,
        SocialAuthorizeRequest(
          provider: provider, service: AccountConsoleClient.slug, redirectURI: AccountConsoleClient.linkedURI(issuer: issuer),
          state: provider, codeChallenge: nil, codeChallengeMethod: nil, link: true),
        context: context.rpcContext)
      return pages.leaving(to: redirect.location, request: request, context: context.parent)
    }
  }

  /// `GET /account/social/linked?link_code=&state=` (or `error=`): the provider's step is done;
  /// the link is made for this person and the console shows it.
  @Sendable func linked(_ request: Request, context: SignedInContext) async throws -> Response {
    await pages.catching(request, context.parent) {
      let query = request.uri.queryParameters
      guard query["error"] == nil, let code = query["link_code"], let provider = query["state"] else {
        return ConsoleForm.back(to: "/account", section: "social", outcome: ("problem", SocialProblems.linkNotCompleted.code))
      }
      do {
        try await context.reauthenticate("social_link", password: nil, request: request, rpc: rpc)
        _ = try await rpc.call(
          SocialRPC.completeLink, SocialLinkCompletion(provider: String(provider), code: String(code)), context: context.rpcContext)
      } catch let problem as Problem where problem.statusCode < 500 {
        return ConsoleForm.back(to: "/account", section: "social", outcome: ("problem", problem.code))
      }
      return ConsoleForm.back(to: "/account", section: "social", outcome: ("done", "social_linked"))
    }
  }

  /// `POST /account/social/unlink {provider, current_password?}`.
  @Sendable func unlink(_ request: Request, context: SignedInContext) async throws -> Response {
    await pages.form(request, context.parent, refusedBackTo: "/account", section: "social") { form in
      try await context.reauthenticate("social_unlink", password: form["current_password"], request: request, rpc: rpc)
      _ = try await rpc.call(SocialRPC.unlink, SocialUnlinkRequest(provider: form["provider"] ?? ""), context: context.rpcContext)
      return ConsoleForm.back(to: "/account", section: "social", outcome: ("done", "social_unlinked"))
    }
  }
}
