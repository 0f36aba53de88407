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
    let query = request.uri.queryParameters
    func time(_ name: String) throws -> Date? {
      try query[Substring(name)].map { text in
        guard let date = try? Date(String(text), strategy: .iso8601) else {
          throw RequestProblems.invalidField.problem("\(name) is an ISO 8601 time.", field: name)
        }
        return date
      }
    }
    guard let limit = Int(String(query["limit"] ?? "50")) else {
      throw RequestProblems.invalidField.problem("limit is a number.", field: "limit")
    }
    let page = try await rpc.call(
      TokenRPC.auditEvents,
      AuditQuery(
        userID: query["user_id"].map(String.init),
        action: query["action"].map(String.init), service: query["service"].map(String.init),
        ip: query["ip"].map(String.init), from: try time("from"), to: try time("to"),
        limit: limit, cursor: query["cursor"].map(String.init)), context: context.rpcContext)
    return try JSONResponse.make(page)
  }
}
