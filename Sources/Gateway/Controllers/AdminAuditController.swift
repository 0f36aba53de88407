import Foundation
import Hummingbird
import Shared

/// `/admin/audit`: the audit log, read-only, filtered by user, action, service, address and time
/// (an AUDITOR's whole console; a SERVICE_ADMIN sees its services' events, as in the API).
struct AdminAuditController: Sendable {
  let rpc: RPCClient
  let admin: AdminPages

  func addRoutes(to group: RouterGroup<SignedInContext>) {
    group.get(use: events)
  }

  @Sendable func events(_ request: Request, context: SignedInContext) async throws -> Response {
    await admin.page("admin_audit", request, context) { _ in
      _ = try context.adminSession()
      let query = try AuditQuery.read(request, limit: 50)
      let page = try await rpc.call(TokenRPC.auditEvents, query, context: context.rpcContext)
      let role = PlatformRole(rawValue: context.user.platformRole ?? "")
      return AdminViews.audit(page, query: query, request: request)
        .merging(AdminViews.chainCheck(page.chainCheck, wholeLog: role == .superAdmin || role == .auditor)) { _, new in new }
    }
  }
}
