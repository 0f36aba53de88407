import Shared

/// `/api/v1/services*`, `/api/v1/users` (admin) and `/api/v1/audit-events` (docs/admin.md).
enum AdministrationAPI {
  static let admin = RequestProblems.all + PlatformProblems.all + ServiceAdminProblems.all + AccountProblems.all + MFAProblems.all

  static let operations: [APIOperation] = [
    .init(
      .post, "/api/v1/services", tag: "Services", "Create a service: its client credentials, shown once", security: [.bearer],
      request: .json(ServiceSettingsBody.self), answers: [.ok(TokenRPC.createService, "Created", status: 201)], problems: admin),
    .init(
      .get, "/api/v1/services", tag: "Services", "Every service", security: [.bearer], answers: [.ok(TokenRPC.listServices)],
      problems: admin),
    .init(
      .get, "/api/v1/services/:slug", tag: "Services", "A service's settings", security: [.bearer], answers: [.ok(TokenRPC.getService)],
      problems: admin),
    .init(
      .patch, "/api/v1/services/:slug", tag: "Services", "Change a service's settings", security: [.bearer],
      request: .json(ServiceSettingsBody.self), answers: [.ok(TokenRPC.updateService)], problems: admin),
    .init(
      .delete, "/api/v1/services/:slug", tag: "Services", "Close a service (its tokens stop verifying)", security: [.bearer],
      answers: [.ok(TokenRPC.deleteService)], problems: admin),
    .init(
      .post, "/api/v1/services/:slug/credentials", tag: "Services", "Rotate a service's client secret", security: [.bearer],
      answers: [.ok(TokenRPC.rotateServiceSecret)], problems: admin),
    .init(
      .get, "/api/v1/services/:slug/stats", tag: "Services", "A service's sign-ins and users, per day", security: [.bearer],
      answers: [.ok(TokenRPC.serviceStats)], problems: admin),
    .init(
      .get, "/api/v1/services/:slug/users", tag: "Services", "A service's members (`?role=&status=&limit=&cursor=`)",
      security: [.bearer], query: ["role", "status", .integer("limit"), "cursor"], answers: [.ok(TokenRPC.serviceMembers)],
      problems: admin),
    .init(
      .post, "/api/v1/services/:slug/users", tag: "Services",
      "Add an existing account (`user_id`, or `email` alone) or a new one (`username`, `email`, `password`) as a member (`user.create`)",
      security: [.bearer], request: .json(NewMemberBody.self), answers: [.ok(TokenRPC.addServiceMember, "Added", status: 201)],
      problems: admin + AccountProblems.all),
    .init(
      .post, "/api/v1/services/:slug/invitations", tag: "Services",
      "Invite an address with a role (`user.create`): the mail's link makes the account, once, within 7 days",
      security: [.bearer], request: .json(InviteBody.self), answers: [.ok(TokenRPC.invite, "Sent", status: 202)],
      problems: admin + RecoveryProblems.all),
    .init(
      .post, "/api/v1/auth/invitations/accept", tag: "Accounts",
      "Make the invited account from the mailed link's token (its address verified by the mail)",
      request: .json(AcceptInvitationBody.self), answers: [.ok(TokenRPC.acceptInvitation, "Created", status: 201)],
      problems: admin + RecoveryProblems.all),
    .init(
      .patch, "/api/v1/services/:slug/users/:user_id", tag: "Services", "Change a member's role or status", security: [.bearer],
      request: .json(MemberChanges.self), answers: [.ok(TokenRPC.updateServiceMember)], problems: admin),
    .init(
      .get, "/api/v1/users", tag: "Users (admin)", "Find accounts (`?q=&limit=&cursor=`)", security: [.bearer],
      query: ["q", .integer("limit"), "cursor"],
      answers: [.ok(TokenRPC.searchUsers)], problems: admin),
    .init(
      .get, "/api/v1/users/:user_id", tag: "Users (admin)", "An account, its memberships and sessions", security: [.bearer],
      answers: [.ok(TokenRPC.adminUser)], problems: admin),
    .init(
      .post, "/api/v1/users/:user_id/lock", tag: "Users (admin)", "Lock an account (ends its sessions)", security: [.bearer],
      answers: [.ok(TokenRPC.lockUser)], problems: admin),
    .init(
      .post, "/api/v1/users/:user_id/unlock", tag: "Users (admin)", "Unlock an account", security: [.bearer],
      answers: [.ok(TokenRPC.unlockUser)], problems: admin),
    .init(
      .post, "/api/v1/users/:user_id/sign-out", tag: "Users (admin)",
      "Sign an account out everywhere (its sessions and browsers end; it may sign in again)", security: [.bearer],
      answers: [.ok(TokenRPC.signOutUser)], problems: admin),
    .init(
      .get, "/api/v1/audit-events", tag: "Audit", "The audit log (`?user_id=&action=&service=&ip=&from=&to=&limit=&cursor=`)",
      security: [.bearer], query: ["user_id", "action", "service", "ip", "from", "to", .integer("limit"), "cursor"],
      answers: [.ok(TokenRPC.auditEvents)], problems: admin),
  ]
}
