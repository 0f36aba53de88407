import Foundation
import Hummingbird
import Shared

/// `/admin/service-providers/*`, the admin console's identity-verification clients (docs/pages.md):
/// the list and a new one (its secrets shown once), one provider's daily statistics as a chart,
/// its callback deliveries (the dead-letter list by filter) with resend, and its secrets rotated;
/// `/admin/transactions`, the verification transactions of every provider the admin manages.
struct AdminProvidersController: Sendable {
  let rpc: RPCClient
  let admin: AdminPages

  func addRoutes(to group: RouterGroup<SignedInContext>, acrossProviders: RouterGroup<SignedInContext>) {
    acrossProviders.get(use: allTransactions)
    group.get(use: list)
      .post(use: create)
      .get("{client_id}", use: provider)
      .post("{client_id}", use: update)
      .get("{client_id}/transactions", use: transactions)
      .post("{client_id}/secret", use: rotateSecret)
      .post("{client_id}/result-key", use: rotateResultKey)
      .post("{client_id}/deliveries/{delivery_id}/resend", use: resend)
  }

  @Sendable func list(_ request: Request, context: SignedInContext) async throws -> Response {
    await admin.page("admin_providers", request, context) { _ in
      _ = try context.platformAdmin()
      let list = try await rpc.call(IdPRPC.listServiceProviders, SPAdminRequest(), context: context.rpcContext)
      let rows = list.serviceProviders.map { sp -> [String: Any] in
        ["clientID": sp.clientID, "name": sp.name, "callback": sp.callbackURL, "active": sp.isActive, "mayReceiveCI": sp.mayReceiveCI]
      }
      return ["providers": rows, "hasProviders": !rows.isEmpty]
    }
  }

  @Sendable func create(_ request: Request, context: SignedInContext) async throws -> Response {
    await admin.secrets(request, context, backTo: "/admin/service-providers") { form in
      _ = try context.platformAdmin()
      let created = try await rpc.call(
        IdPRPC.createServiceProvider,
        SPAdminRequest(body: ServiceProviderBody(name: form["name"], callbackURL: form["callback_url"])), context: context.rpcContext)
      let sp = created.serviceProvider
      return [
        "what": sp.name, "link": "/admin/service-providers/\(sp.clientID)",
        "secrets": [
          ["name": "client_id", "value": sp.clientID], ["name": "client_secret", "value": created.clientSecret],
          ["name": "webhook_secret", "value": created.webhookSecret],
          ["name": "standard_webhook_secret", "value": created.standardWebhookSecret],
          ["name": "result_key (\(created.resultKey.kid))", "value": created.resultKey.k],
        ],
      ]
    }
  }

  /// `GET /admin/service-providers/{client_id}?status=dead`: 14 days as a chart, then deliveries.
  @Sendable func provider(_ request: Request, context: SignedInContext) async throws -> Response {
    await admin.page("admin_provider", request, context) { words in
      _ = try context.platformAdmin()
      let clientID = try context.parameters.require("client_id")
      let status = Query.optional(request, "status")
      async let stats = rpc.call(IdPRPC.adminStats, SPAdminRequest(clientID: clientID, days: 14), context: context.rpcContext)
      async let deliveries = rpc.call(
        IdPRPC.deliveries, SPAdminRequest(clientID: clientID, status: status), context: context.rpcContext)
      async let one = rpc.call(IdPRPC.listServiceProviders, SPAdminRequest(clientID: clientID), context: context.rpcContext)
      guard let provider = try await one.serviceProviders.first else {
        throw IdPProblems.serviceProviderNotFound.problem("No such service provider.")
      }
      return AdminProviderViews.provider(
        provider, stats: try await stats, deliveries: try await deliveries, status: status, words: words)
    }
  }

  /// `POST /admin/service-providers/{client_id}`: name, callback URL, active.
  @Sendable func update(_ request: Request, context: SignedInContext) async throws -> Response {
    let clientID = (try? context.parameters.require("client_id")) ?? ""
    return await admin.change(request, context, backTo: "/admin/service-providers/\(clientID)") { form in
      _ = try context.platformAdmin()
      let body = ServiceProviderBody(name: form["name"], callbackURL: form["callback_url"], isActive: form["active"] == "on")
      _ = try await rpc.call(IdPRPC.updateServiceProvider, SPAdminRequest(clientID: clientID, body: body), context: context.rpcContext)
    }
  }

  /// `GET /admin/service-providers/{client_id}/transactions?status=&from=&to=&cursor=`: 50 a page.
  @Sendable func transactions(_ request: Request, context: SignedInContext) async throws -> Response {
    await transactionsPage(request, context, clientID: context.parameters.get("client_id"))
  }

  /// `GET /admin/transactions?service_provider=&status=&from=&to=&cursor=`: every provider the
  /// admin manages, 50 a page, filtered by provider too.
  @Sendable func allTransactions(_ request: Request, context: SignedInContext) async throws -> Response {
    await transactionsPage(request, context, clientID: nil)
  }

  /// One provider's transactions (`clientID`), or every managed provider's with the providers to choose from.
  private func transactionsPage(_ request: Request, _ context: SignedInContext, clientID: String?) async -> Response {
    await admin.page("admin_transactions", request, context) { _ in
      _ = try context.platformAdmin()
      var query = try AdminTransactionQuery.read(request, clientID: clientID ?? Query.optional(request, "service_provider"))
      query.limit = 50
      async let list = rpc.call(IdPRPC.adminTransactions, query, context: context.rpcContext)
      let choices = clientID == nil ? try await rpc.call(IdPRPC.listServiceProviders, SPAdminRequest(), context: context.rpcContext) : nil
      return AdminViews.transactions(
        try await list, clientID: clientID, choices: choices?.serviceProviders ?? [], request: request)
    }
  }

  @Sendable func rotateSecret(_ request: Request, context: SignedInContext) async throws -> Response {
    let clientID = (try? context.parameters.require("client_id")) ?? ""
    return await admin.secrets(request, context, backTo: "/admin/service-providers/\(clientID)") { _ in
      _ = try context.platformAdmin()
      let rotated = try await rpc.call(IdPRPC.rotateServiceProviderSecret, SPAdminRequest(clientID: clientID), context: context.rpcContext)
      return ["what": clientID, "secrets": [["name": "client_secret", "value": rotated.clientSecret]]]
    }
  }

  @Sendable func rotateResultKey(_ request: Request, context: SignedInContext) async throws -> Response {
    let clientID = (try? context.parameters.require("client_id")) ?? ""
    return await admin.secrets(request, context, backTo: "/admin/service-providers/\(clientID)") { _ in
      _ = try context.platformAdmin()
      let key = try await rpc.call(IdPRPC.rotateResultKey, SPAdminRequest(clientID: clientID), context: context.rpcContext)
      return ["what": clientID, "secrets": [["name": "result_key (\(key.kid))", "value": key.k]]]
    }
  }

  @Sendable func resend(_ request: Request, context: SignedInContext) async throws -> Response {
    let clientID = (try? context.parameters.require("client_id")) ?? ""
    return await admin.change(request, context, backTo: "/admin/service-providers/\(clientID)") { _ in
      _ = try context.platformAdmin()
      _ = try await rpc.call(
        IdPRPC.resendDelivery, SPAdminRequest(clientID: clientID, deliveryID: try context.parameters.require("delivery_id")),
        context: context.rpcContext)
    }
  }
}
