import Foundation
import Shared

/// Invitations (docs/admin.md, "Members"): an admin with `user.create` in a service (or a
/// platform admin of it) invites an address with a role; the person makes their account from the
/// mailed link, once, within 7 days, under the registration rules and the password policy. The
/// address is theirs (the mail proved it), so it is verified from the start. Needs mail.
struct Invitations: Sendable {
  let administration: ServiceAdministration
  let store: InvitationStore
  let services: ServiceStore
  let registration: Registration
  var mail: MailOutbox? { registration.mail }

  func invite(_ request: InviteRequest, actor caller: AdminActor, requestID: String?) async throws -> InvitationSent {
    let ((actor, _), view) = try await administration.service(
      ServiceAdminRequest(slug: request.slug, client: request.client), actor: caller, needs: .userCreate)
    guard let mail else { throw RecoveryProblems.mailUnavailable.problem("This deployment sends no mail, so it cannot invite.") }
    let email = try EmailRules.checked(request.body.email)
    let role = request.body.role ?? ServiceRole.user.rawValue
    guard ServiceRole(rawValue: role) != nil else { throw ServiceAdministration.unknownRole }
    guard let service = try await services.find(slug: view.slug), !service.deleted else { throw ServiceAdministration.notFound }
    let sent = try await store.create(
      serviceID: service.id, email: email, role: role, invitedBy: actor, mail: mail, client: request.client, requestID: requestID)
    await mail.dispatch([sent.job])
    return InvitationSent(invitationID: sent.id.uuidString.lowercased(), expiresAt: sent.expiresAt)
  }

  func view(_ lookup: InvitationLookup) async throws -> InvitationView {
    let found = try await store.find(token: lookup.token)
    guard let service = try await services.find(id: found.serviceID), !service.deleted else { throw ServiceAdministration.notFound }
    return InvitationView(service: service.slug, serviceName: service.name, email: found.email, role: found.role)
  }

  /// The account, a member with the invited role, and the invitation spent, in one transaction.
  func accept(_ request: AcceptInvitationRequest, requestID: String?) async throws -> RegisterResponse {
    let found = try await store.find(token: request.body.token)
    guard let service = try await services.find(id: found.serviceID) else { throw ServiceAdministration.notFound }
    try service.requireOpen()
    let body = RegisterBody(
      service: service.slug, username: request.body.username, email: found.email, password: request.body.password,
      firstName: request.body.firstName)
    let origin = AccountStore.Origin(
      role: found.role, invitation: found.id, agreements: registration.agreementVersions.filter { $0.key != "marketing" })
    let user = try await registration.create(body, in: service, origin: origin, client: request.client, requestID: requestID)
    var summary = service.summary
    summary.role = found.role
    return RegisterResponse(user: user, service: summary)
  }
}
