import Foundation
import HTTPTypes
import Hummingbird
import Shared

/// `/admin` and `/admin/services/*`, the admin console's services (docs/pages.md): the list and
/// a new service, one service's settings, statistics, members and credentials. Every read and
/// change is the admin API's RPC with the console's token, under the API's permission rules
/// (a SERVICE_ADMIN sees only the services it owns; another's is the 404 page).
struct AdminServicesController: Sendable {
  let rpc: RPCClient
  let admin: AdminPages

  func addRoutes(to group: RouterGroup<SignedInContext>) {
    group.get(use: home)
      .post("services", use: create)
      .get("services/{slug}", use: service)
      .post("services/{slug}", use: update)
      .post("services/{slug}/credentials", use: rotateCredentials)
      .post("services/{slug}/scopes", use: updateScopes)
      .post("services/{slug}/members", use: addMember)
      .post("services/{slug}/members/{user_id}", use: updateMember)
      .post("step-up", use: stepUp)
  }

  /// `GET /admin`: the services the admin may manage (an auditor goes to the audit log).
  @Sendable func home(_ request: Request, context: SignedInContext) async throws -> Response {
    if context.user.platformRole == PlatformRole.auditor.rawValue {
      return Response(status: .seeOther, headers: [.location: "/admin/audit"])
    }
    return await admin.page("admin", request, context) { _ in
      _ = try context.platformAdmin()
      let list = try await rpc.call(
        TokenRPC.listServices, ServiceAdminRequest(client: context.client(request)), context: context.rpcContext)
      let services = list.services.filter { $0.slug != AccountConsoleClient.slug }.map(AdminViews.serviceRow)
      return ["services": services, "hasServices": !services.isEmpty]
    }
  }

  @Sendable func create(_ request: Request, context: SignedInContext) async throws -> Response {
    await admin.secrets(request, context, backTo: "/admin") { form in
      _ = try context.platformAdmin()
      var settings = ServiceSettingsBody()
      settings.slug = form["slug"]
      settings.name = form["name"]
      settings.type = form["type"] ?? "web"
      settings.redirectURIs = AdminPages.lines(form["redirect_uris"])
      let created = try await rpc.call(
        TokenRPC.createService, ServiceAdminRequest(settings: settings, client: context.client(request)), context: context.rpcContext)
      return [
        "what": created.service.name, "link": "/admin/services/\(created.service.slug)",
        "secrets": [["name": "client_id", "value": created.service.clientID], ["name": "client_secret", "value": created.clientSecret]],
      ]
    }
  }

  /// `GET /admin/services/{slug}`: settings, the statistics chart, members (filtered by role and status).
  @Sendable func service(_ request: Request, context: SignedInContext) async throws -> Response {
    await admin.page("admin_service", request, context) { words in
      let slug = try context.parameters.require("slug")
      let filter = MemberQuery(
        role: Query.optional(request, "role"), status: Query.optional(request, "status"), limit: 50,
        cursor: Query.optional(request, "cursor"))
      _ = try context.adminSession()
      let page = try await rpc.call(
        TokenRPC.servicePage, ServiceAdminRequest(slug: slug, query: filter, client: context.client(request)), context: context.rpcContext)
      return AdminViews.service(page.service, stats: page.stats, members: page.members, filter: filter, words: words)
    }
  }

  @Sendable func update(_ request: Request, context: SignedInContext) async throws -> Response {
    await changeSettings(request, context) { form in
      var settings = ServiceSettingsBody()
      settings.name = form["name"]
      settings.status = form["status"]
      settings.allowedOrigins = AdminPages.lines(form["allowed_origins"])
      settings.redirectURIs = AdminPages.lines(form["redirect_uris"])
      settings.accessTokenTTLSeconds = try AdminViews.number(form["access_token_ttl_seconds"], field: "access_token_ttl_seconds")
      settings.refreshTokenTTLSeconds = try AdminViews.number(form["refresh_token_ttl_seconds"], field: "refresh_token_ttl_seconds")
      settings.requireMFA = form["require_mfa"] == "on"
      settings.plan = form["plan"].flatMap(ServicePlan.init(rawValue:))
      return settings
    }
  }

  /// The scope catalogue, one scope a line (`ScopeCatalogueForm`).
  @Sendable func updateScopes(_ request: Request, context: SignedInContext) async throws -> Response {
    await changeSettings(request, context) { form in
      var settings = ServiceSettingsBody()
      settings.scopeCatalogue = try ScopeCatalogueForm.catalogue(form["scope_catalogue"])
      return settings
    }
  }

  /// A form of the service's page that changes its settings through the admin API, then back to the page.
  private func changeSettings(
    _ request: Request, _ context: SignedInContext, _ settings: @escaping ([String: String]) throws -> ServiceSettingsBody
  ) async -> Response {
    let slug = (try? context.parameters.require("slug")) ?? ""
    return await admin.change(request, context, backTo: "/admin/services/\(slug)") { form in
      _ = try context.adminSession()
      _ = try await rpc.call(
        TokenRPC.updateService, ServiceAdminRequest(slug: slug, settings: try settings(form), client: context.client(request)),
        context: context.rpcContext)
    }
  }

  @Sendable func rotateCredentials(_ request: Request, context: SignedInContext) async throws -> Response {
    let slug = (try? context.parameters.require("slug")) ?? ""
    return await admin.secrets(request, context, backTo: "/admin/services/\(slug)") { _ in
      _ = try context.adminSession()
      let rotated = try await rpc.call(
        TokenRPC.rotateServiceSecret, ServiceAdminRequest(slug: slug, client: context.client(request)), context: context.rpcContext)
      return [
        "what": slug,
        "secrets": [["name": "client_id", "value": rotated.clientID], ["name": "client_secret", "value": rotated.clientSecret]],
      ]
    }
  }

  /// An existing account, by its address, as a member with a role (docs/admin.md, "Members").
  @Sendable func addMember(_ request: Request, context: SignedInContext) async throws -> Response {
    let slug = (try? context.parameters.require("slug")) ?? ""
    return await admin.change(request, context, backTo: "/admin/services/\(slug)") { form in
      _ = try context.adminSession()
      _ = try await rpc.call(
        TokenRPC.addServiceMember,
        ServiceAdminRequest(
          slug: slug, newMember: NewMemberBody(email: form["email"] ?? "", role: AdminViews.filter(form["role"])),
          client: context.client(request)),
        context: context.rpcContext)
    }
  }

  @Sendable func updateMember(_ request: Request, context: SignedInContext) async throws -> Response {
    let slug = (try? context.parameters.require("slug")) ?? ""
    return await admin.change(request, context, backTo: "/admin/services/\(slug)") { form in
      _ = try context.adminSession()
      _ = try await rpc.call(
        TokenRPC.updateServiceMember,
        ServiceAdminRequest(
          slug: slug, memberID: try context.parameters.require("user_id"),
          member: MemberChanges(
            role: AdminViews.filter(form["role"]), status: AdminViews.filter(form["status"]),
            scopes: ScopeCatalogueForm.words(form["scopes"]), permissions: ScopeCatalogueForm.words(form["permissions"])),
          client: context.client(request)),
        context: context.rpcContext)
    }
  }

  /// `POST /admin/step-up`: a code from the admin's authenticator renews the console's token
  /// with a fresh second factor, then back to the page that asked for it.
  @Sendable func stepUp(_ request: Request, context: SignedInContext) async throws -> Response {
    await admin.pages.catching(request, context.parent) {
      let form = try await BrowserCookies.form(request)
      let back = AccountConsoleSignIn.safePage(form["return_to"] ?? "/admin")
      do {
        let renewed = try await rpc.call(
          TokenRPC.stepUpMFA, MFARequest(body: MFACodeBody.typed(form["code"] ?? ""), client: context.client(request)),
          context: context.rpcContext)
        var response = Response(status: .seeOther, headers: [.location: back, .cacheControl: "no-store"])
        for cookie in AccountConsoleSignIn.cookies(accessToken: renewed.accessToken, expiresIn: renewed.expiresIn, refreshToken: nil) {
          response.headers.append(HTTPField(name: .setCookie, value: cookie))
        }
        return response
      } catch let problem as Problem where problem.statusCode < 500 {
        return ConsoleForm.back(to: back, outcome: ("problem", problem.code))
      }
    }
  }
}
