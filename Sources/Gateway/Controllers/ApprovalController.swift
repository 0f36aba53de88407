import Foundation
import HTTPTypes
import Hummingbird
import Shared

/// `/approve`, where a person approves what service providers ask (docs/pages.md): their
/// pending requests, each with the provider, the purpose, a countdown and a PIN pad; new ones
/// arrive live (`/approve/stream`, the inbox's Server-Sent Events, read by `approve.js`). Signed
/// in as the account console is; the decision is the JSON API's, with the same PIN rules.
struct ApprovalController: Sendable {
  let rpc: RPCClient
  let pages: HostedPages
  let verifier: AccessTokenVerifier
  let events: EventBus

  func addRoutes(to group: RouterGroup<SignedInContext>) {
    group.get(use: inbox)
      .get("stream", use: stream)
      .post("{id}/confirm", use: confirm)
      .post("{id}/reject", use: reject)
  }

  /// `GET /approve`: what waits for a decision, newest first.
  @Sendable func inbox(_ request: Request, context: SignedInContext) async throws -> Response {
    await pages.catching(request, context.parent) {
      async let profile = rpc.call(TokenRPC.me, NoRequest(), context: context.rpcContext)
      async let inbox = rpc.call(IdPRPC.inbox, NoRequest(), context: context.rpcContext)
      let items = try await inbox.requests.map(Self.card)
      return pages.page(
        ConsoleForm.view("approve", profile: try await profile, request: request), request: request, context: context.parent,
        values: ["requests": items, "hasRequests": !items.isEmpty, "blankCard": Self.blankCard])
    }
  }

  /// `GET /approve/stream`: the inbox's events, for as long as the console's token verifies.
  @Sendable func stream(_ request: Request, context: SignedInContext) async throws -> Response {
    let token = BrowserCookies.value(AccountConsoleSignIn.accessCookie, in: request, maxLength: 4096) ?? ""
    return try await InboxStream.response(token: token, verifier: verifier, rpc: rpc, events: events, context: context)
  }

  @Sendable func confirm(_ request: Request, context: SignedInContext) async throws -> Response {
    await decide(IdPRPC.confirm, request, context, pin: true)
  }

  @Sendable func reject(_ request: Request, context: SignedInContext) async throws -> Response {
    await decide(IdPRPC.reject, request, context, pin: false)
  }

  /// The decision's page: completed or rejected, or why not (wrong PIN, expired, decided
  /// already, PIN approval locked), in the reader's words.
  private func decide(
    _ method: RPCMethod<UserDecision, DecisionResult>, _ request: Request, _ context: SignedInContext, pin: Bool
  ) async -> Response {
    await pages.catching(request, context.parent) {
      let form = try await BrowserCookies.form(request)
      let decision = UserDecision(
        transactionID: try context.parameters.require("id"), pinCode: pin ? (form["pin"] ?? "") : nil, client: context.client(request))
      var values: [String: Any]
      do {
        let result = try await rpc.call(method, decision, context: context.rpcContext)
        let status = result.status.rawValue.lowercased()
        values = ["outcomeKey": "approve.outcome.\(status)", "code": status, "good": result.status == .completed]
      } catch let problem as Problem where problem.statusCode < 500 {
        values = ["outcomeKey": "approve.outcome.\(problem.code)", "code": problem.code]
      }
      let profile = try await rpc.call(TokenRPC.me, NoRequest(), context: context.rpcContext)
      return pages.page(
        ConsoleForm.view("approve_result", profile: profile, request: request), request: request, context: context.parent, values: values)
    }
  }

  /// The card the script fills in for a request that arrives while the page is open.
  static let blankCard: [String: String] = ["id": "", "serviceProvider": "", "purpose": "", "remaining": ""]

  /// One request as the page shows it (the script makes the same from an event).
  static func card(_ item: InboxItem) -> [String: Any] {
    let seconds = max(0, Int(item.expiresAt.timeIntervalSinceNow.rounded()))
    return [
      "id": item.transactionID, "serviceProvider": item.serviceProvider, "purpose": item.purpose,
      "expiresAt": Int(item.expiresAt.timeIntervalSince1970), "remaining": String(format: "%d:%02d", seconds / 60, seconds % 60),
    ]
  }
}
