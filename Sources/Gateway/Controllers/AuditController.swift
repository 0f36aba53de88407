import Foundation
import Hummingbird
import Shared

/// `GET /api/v1/audit-events?user_id=&action=&service=&ip=&from=&to=&limit=&cursor=` for AUDITORs and
/// platform admins (a SERVICE_ADMIN sees the events of services it owns), and for members whose
/// role has `admin.logs` (the events of their token's service); docs/admin.md, "Audit log".
struct AuditController: Sendable {
  let rpc: RPCClient

  func addRoutes(to group: RouterGroup<SignedInContext>) {
    group.get(use: events)
  }

  /// Any signed-in caller (with a recent second factor when MFA is on); token-service decides
  /// what its platform role or its role in its service lets it read.
  @Sendable func events(_ request: Request, context: SignedInContext) async throws -> Response {
    _ = try context.adminSession()
    let query = try AuditQuery.read(request, limit: try Query.number(request, "limit", fallback: 50))
    let page = try await rpc.call(TokenRPC.auditEvents, query, context: context.rpcContext)
    return try JSONResponse.make(page)
  }
}
