import Foundation
import Shared

/// Adding people to a service (docs/admin.md, "Members"): an admin with `user.create` there (or a
/// platform admin of it) adds an existing account, or makes a new one under the registration
/// rules and the password policy, with the role it names. A service whose `auto_create_user` is
/// off gains members only this way.
struct ServiceMembers: Sendable {
  let administration: ServiceAdministration
  let members: MemberStore
  let services: ServiceStore
  let registration: Registration

  func add(_ request: ServiceAdminRequest, actor caller: AdminActor, requestID: String?) async throws -> MemberView {
    let ((actor, platformRole), view) = try await administration.service(request, actor: caller, needs: .userCreate)
    guard let body = request.newMember else {
      throw RequestProblems.missingField.problem("Send user_id, email, or username with email and password.", field: "user_id")
    }
    let role = body.role ?? ServiceRole.user.rawValue
    guard ServiceRole(rawValue: role) != nil else { throw ServiceAdministration.unknownRole }
    guard let service = try await services.find(slug: view.slug), !service.deleted else { throw ServiceAdministration.notFound }
    if let username = body.username {
      return try await create(username: username, body, role: role, in: service, actor: actor, request.client, requestID)
    }
    guard body.password == nil else {
      throw RequestProblems.invalidField.problem("A password makes a new account: send username and email with it.", field: "username")
    }
    let id = try body.userID.map { text throws(Problem) -> UUID in
      guard let id = UUID(uuidString: text) else { throw RequestProblems.invalidField.problem("user_id is a user id.", field: "user_id") }
      return id
    }
    guard (id == nil) != (body.email == nil) else {
      throw RequestProblems.invalidField.problem("Send either user_id or email, or username with email and password.", field: "user_id")
    }
    // Accounts are the platform's: only its admins may attach one that exists to a service (a
    // service's own admins would otherwise learn who has an account, and attach strangers).
    let ownsIt = platformRole == .serviceAdmin && view.ownerUserID == actor.uuidString.lowercased()
    guard platformRole == .superAdmin || ownsIt else {
      throw ServiceAdminProblems.forbidden.problem(
        "Only a SUPER_ADMIN, or the SERVICE_ADMIN who owns the service, adds an existing account; invite the address instead.")
    }
    guard let userID = try await members.accountID(id: id, email: body.email) else {
      throw AccountProblems.accountNotFound.problem("No account has this id or address.")
    }
    guard
      let member = try await members.add(
        serviceID: service.id, userID: userID, role: role, actor: actor, client: request.client, requestID: requestID)
    else {
      throw ServiceAdminProblems.memberExists.problem("This account is a member of \(service.slug) already.")
    }
    return member
  }

  /// A new account, a member with `role` from the start, audited as made by the admin; it gets
  /// the verification mail a registration gets.
  private func create(
    username: String, _ body: NewMemberBody, role: String, in service: ServiceRecord, actor: UUID, _ client: ClientInfo,
    _ requestID: String?
  ) async throws -> MemberView {
    var fields = RegisterBody(
      service: service.slug, username: username, email: body.email ?? "", password: body.password ?? "", firstName: body.firstName)
    fields.lastName = body.lastName
    let user = try await registration.create(
      fields, in: service, origin: AccountStore.Origin(role: role, createdBy: actor), client: client, requestID: requestID)
    guard let userID = UUID(uuidString: user.id), let member = try await members.member(serviceID: service.id, userID: userID) else {
      throw Problem.internalError()
    }
    return member
  }
}
