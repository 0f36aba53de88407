import Foundation
import Shared

/// `token.audit_events`: who may read which part of the audit log (docs/admin.md, "Audit log").
/// AUDITOR and SUPER_ADMIN read everything, a SERVICE_ADMIN the services it owns, and a member
/// whose role has `admin.logs` the service its token is for.
struct AuditLogReader: Sendable {
  let store: AuditLogStore
  let administration: ServiceAdministration
  let chains: AuditChainStore

  func page(_ query: AuditQuery, actor caller: AdminActor) async throws -> AuditPage {
    guard let actor = UUID(uuidString: caller.userID) else { throw ServiceAdministration.forbidden }
    var serviceSlug = query.service
    var ownedBy: UUID?
    let role = PlatformRole(rawValue: caller.platformRole) ?? .user
    switch role {
    case .superAdmin, .auditor: break
    case .serviceAdmin: ownedBy = actor
    case .user:
      let service = try await administration.memberService(caller, needs: .adminLogs)
      guard query.service == nil || query.service == service.slug else {
        throw ServiceAdminProblems.forbidden.problem("Your token reads the audit log of \(service.slug) only.")
      }
      serviceSlug = service.slug
    }
    guard (1...200).contains(query.limit) else { throw RequestProblems.invalidField.problem("limit is 1 to 200.", field: "limit") }
    let before = try query.cursor.map { cursor throws(Problem) -> Int64 in
      guard let id = Int64(cursor) else {
        throw RequestProblems.invalidField.problem("cursor is not one this API gave out.", field: "cursor")
      }
      return id
    }
    guard query.userID == nil || UUID(uuidString: query.userID ?? "") != nil else {
      throw RequestProblems.invalidField.problem("user_id is a user id.", field: "user_id")
    }
    // The whole log's check is for those who read the whole log, read beside the page.
    let wholeLog = role == .superAdmin || role == .auditor
    async let check = wholeLog ? chains.latest() : nil
    var page = try await store.page(
      userID: query.userID.flatMap(UUID.init(uuidString:)), action: query.action, serviceSlug: serviceSlug,
      ip: try query.ip.map(AuditAddress.block), from: query.from, to: query.to, ownedBy: ownedBy, before: before, limit: query.limit)
    page.chainCheck = try await check
    return page
  }
}
