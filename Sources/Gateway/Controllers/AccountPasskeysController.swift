import Hummingbird
import Shared

/// `/account/passkeys`, the account console's passkeys (docs/passkeys.md, "On the pages"): the
/// page's script asks for registration options (behind the account-security gate, as on the JSON
/// API), the browser creates the passkey, and the script posts it here; renaming and removing
/// are plain forms. Every change is the JSON API's RPC with the console's token.
struct AccountPasskeysController: Sendable {
  let rpc: RPCClient
  let pages: HostedPages

  func addRoutes(to group: RouterGroup<SignedInContext>) {
    group.post("options", use: options)
      .post(use: register)
      .post("{id}/rename", use: rename)
      .post("{id}/remove", use: remove)
  }

  /// JSON for the page's script; a refusal (a wrong password) is problem JSON, which it shows.
  @Sendable func options(_ request: Request, context: SignedInContext) async throws -> Response {
    let form = try await BrowserCookies.form(request)
    try await context.reauthenticate("passkey_enrol", password: form["current_password"], request: request, rpc: rpc)
    return try JSONResponse.make(try await rpc.call(TokenRPC.passkeyRegistrationOptions, NoRequest(), context: context.rpcContext))
  }

  @Sendable func register(_ request: Request, context: SignedInContext) async throws -> Response {
    await pages.form(request, context.parent, refusedBackTo: "/account", section: "passkeys") { form in
      let body = RegisterPasskeyBody(
        challengeID: form["challenge_id"] ?? "", name: form["name"].flatMap { $0.isEmpty ? nil : $0 },
        credential: try PasskeyForm.credential(form["credential"] ?? ""))
      _ = try await rpc.call(
        TokenRPC.registerPasskey, RegisterPasskeyRequest(body: body, client: context.client(request)), context: context.rpcContext)
      return ConsoleForm.back(to: "/account", section: "passkeys", outcome: ("done", "passkey_added"))
    }
  }

  @Sendable func rename(_ request: Request, context: SignedInContext) async throws -> Response {
    await pages.form(request, context.parent, refusedBackTo: "/account", section: "passkeys") { form in
      let id = try context.parameters.require("id")
      _ = try await rpc.call(
        TokenRPC.renamePasskey, RenamePasskeyRequest(id: id, name: form["name"] ?? ""), context: context.rpcContext)
      return ConsoleForm.back(to: "/account", section: "passkeys", outcome: ("done", "passkey_renamed"))
    }
  }

  /// Removing a way in: the account-security gate first, as on the JSON API.
  @Sendable func remove(_ request: Request, context: SignedInContext) async throws -> Response {
    await pages.form(request, context.parent, refusedBackTo: "/account", section: "passkeys") { form in
      try await context.reauthenticate("passkey_remove", password: form["current_password"], request: request, rpc: rpc)
      let id = try context.parameters.require("id")
      _ = try await rpc.call(
        TokenRPC.removePasskey, RemovePasskeyRequest(id: id, client: context.client(request)), context: context.rpcContext)
      return ConsoleForm.back(to: "/account", section: "passkeys", outcome: ("done", "passkey_removed"))
    }
  }
}
