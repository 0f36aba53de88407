import Foundation
import Shared

/// The services admin API's rules (docs/admin.md): SUPER_ADMIN manages every service; SERVICE_ADMIN
/// creates services (it owns them) and manages only those it owns (others read as 404). A
/// member of a service, with a token for it, may do what its role's permissions allow there
/// (the role table in docs/admin.md: `service.read` to read it, `user.list` for its members,
/// ...); 403 for the rest. Anyone else gets 403 on the list and 404 on a service. Every change
/// is audited and announced on `gh:ev:config`, so gateways apply new origins and statuses at once.
struct ServiceAdministration: Sendable {
  let store: ServiceAdminStore
  let events: EventBus
  let revocations: RevocationPublisher
  /// Decides whether http redirect URIs to the loopback address are allowed (not in production).
  let environment: DeploymentEnvironment
  /// Whether the deployment sends mail (so addresses can be verified).
  let canMail: Bool

  static let memberStatuses: Set<String> = ["active", "inactive", "suspended", "banned"]

  func create(_ request: ServiceAdminRequest, actor caller: AdminActor, requestID: String?) async throws -> ServiceCreated {
    let (actor, role) = try Self.admin(caller)
    var settings = try ScopeCatalogueRules.normalised(request.settings ?? ServiceSettingsBody(), current: [])
    try ServiceSettingsRules.check(settings, creating: true, environment: environment, canMail: canMail)
    if role == .serviceAdmin {
      guard settings.ownerUserID == nil || settings.ownerUserID == actor.uuidString.lowercased(), settings.plan == nil else {
        throw Self.forbidden
      }
      settings.ownerUserID = actor.uuidString.lowercased()
    }
    guard let created = try await store.create(settings, actor: actor, requestID: requestID) else {
      throw ServiceAdminProblems.slugTaken.problem("A service named \(settings.slug ?? "") exists.", field: "slug")
    }
    await announce(created.service.slug)
    return created
  }

  func list(_ request: ServiceAdminRequest, actor caller: AdminActor) async throws -> ServiceList {
    let (actor, role) = try Self.admin(caller)
    return ServiceList(services: try await store.list(owner: role == .superAdmin ? nil : actor))
  }

  func get(_ request: ServiceAdminRequest, actor caller: AdminActor) async throws -> ServiceView {
    try await service(request, actor: caller, needs: .serviceRead).1
  }

  func update(_ request: ServiceAdminRequest, actor caller: AdminActor, requestID: String?) async throws -> ServiceView {
    let ((actor, role), service) = try await service(request, actor: caller, needs: .serviceUpdate)
    let settings = try ScopeCatalogueRules.normalised(request.settings ?? ServiceSettingsBody(), current: service.scopeCatalogue)
    try ServiceSettingsRules.check(settings, creating: false, environment: environment, canMail: canMail)
    // Who owns a service, whether it is open and what its plan allows, only a SUPER_ADMIN
    // decides: an owner could otherwise undo a suspension or raise its own quota, and an admin
    // member lock every other member out. Sending the values they have is no change (the admin
    // console's settings form sends every field).
    let changesOwnerStatusOrPlan =
      settings.ownerUserID.map { $0.lowercased() != service.ownerUserID?.lowercased() } ?? false
      || settings.status.map { $0 != service.status } ?? false || settings.plan.map { $0 != service.plan } ?? false
    if changesOwnerStatusOrPlan, role != .superAdmin {
      throw ServiceAdminProblems.forbidden.problem("Only a SUPER_ADMIN changes a service's owner, status or plan.")
    }
    guard let id = UUID(uuidString: service.id),
      let updated = try await store.update(id: id, settings, actor: actor, requestID: requestID)
    else { throw Self.notFound }
    await announce(updated.slug)
    return updated
  }

  func delete(_ request: ServiceAdminRequest, actor caller: AdminActor, requestID: String?) async throws -> ServiceView {
    let ((actor, _), service) = try await service(request, actor: caller, needs: .serviceDelete)
    guard let id = UUID(uuidString: service.id), let deleted = try await store.delete(id: id, actor: actor, requestID: requestID) else {
      throw Self.notFound
    }
    await announce(deleted.slug)
    return deleted
  }

  func stats(_ request: ServiceAdminRequest, actor caller: AdminActor) async throws -> ServiceStats {
    let (_, service) = try await service(request, actor: caller, needs: .adminAnalytics)
    guard let id = UUID(uuidString: service.id) else { throw Self.notFound }
    return try await store.stats(serviceID: id)
  }

  func rotateSecret(_ request: ServiceAdminRequest, actor caller: AdminActor, requestID: String?) async throws -> ServiceCredentials {
    let ((actor, _), service) = try await service(request, actor: caller, needs: .serviceManage)
    guard let id = UUID(uuidString: service.id) else { throw Self.notFound }
    let (credentials, version) = try await store.rotateSecret(id: id, clientID: service.clientID, actor: actor, requestID: requestID)
    // The tokens got with the old secret stop verifying (the database recorded it with the rotation).
    try await revocations.raise(userID: service.clientID, to: version)
    return credentials
  }

  func members(_ request: ServiceAdminRequest, actor caller: AdminActor) async throws -> MemberList {
    let (_, service) = try await service(request, actor: caller, needs: [.userList])
    let query = try Self.memberQuery(request)
    guard let id = UUID(uuidString: service.id) else { throw Self.notFound }
    return try await store.members(serviceID: id, query: query)
  }

  /// The admin console's service page: checked once for all three permissions, then the
  /// statistics and the members read at the same time.
  func page(_ request: ServiceAdminRequest, actor caller: AdminActor) async throws -> ServicePage {
    let (_, service) = try await service(request, actor: caller, needs: [.serviceRead, .adminAnalytics, .userList])
    let query = try Self.memberQuery(request)
    guard let id = UUID(uuidString: service.id) else { throw Self.notFound }
    async let stats = store.stats(serviceID: id)
    async let members = store.members(serviceID: id, query: query)
    return ServicePage(service: service, stats: try await stats, members: try await members)
  }

  private static func memberQuery(_ request: ServiceAdminRequest) throws(Problem) -> MemberQuery {
    let query = request.query ?? MemberQuery(role: nil, status: nil, limit: 50, cursor: nil)
    if let role = query.role, ServiceRole(rawValue: role) == nil { throw Self.unknownRole }
    if let status = query.status, !Self.memberStatuses.contains(status) { throw Self.unknownStatus }
    guard (1...100).contains(query.limit) else { throw RequestProblems.invalidField.problem("limit is 1 to 100.", field: "limit") }
    return query
  }

  func updateMember(_ request: ServiceAdminRequest, actor caller: AdminActor, requestID: String?) async throws -> MemberView {
    let ((actor, _), service) = try await service(request, actor: caller, needs: .userUpdate)
    let changes = request.member ?? MemberChanges(role: nil, status: nil)
    if let role = changes.role, ServiceRole(rawValue: role) == nil { throw Self.unknownRole }
    if let status = changes.status, !Self.memberStatuses.contains(status) { throw Self.unknownStatus }
    try ScopeCatalogueRules.checkGrant(changes, catalogue: service.scopeCatalogue)
    guard let serviceID = UUID(uuidString: service.id), let userID = request.memberID.flatMap(UUID.init(uuidString:)),
      let (member, version) = try await store.updateMember(
        serviceID: serviceID, userID: userID, changes, actor: actor, requestID: requestID)
    else {
      throw ServiceAdminProblems.memberNotFound.problem("No such member of \(service.slug).")
    }
    // The tokens they hold carry the old role: they stop verifying; the next refresh carries the new one.
    try await revocations.raise(userID: member.userID, to: version)
    return member
  }

  /// The service a member's token is for, when its role there has `permission`, checked as every
  /// admin route of a service checks it (403 without the permission, the service's own MFA rule).
  func memberService(_ actor: AdminActor, needs permission: Permission) async throws -> ServiceView {
    try await service(
      ServiceAdminRequest(slug: actor.service, client: ClientInfo(ip: nil, userAgent: nil)), actor: actor, needs: permission
    ).1
  }

  /// The actor and the service, when the actor may do what needs `permission` there: a
  /// SUPER_ADMIN, the SERVICE_ADMIN who owns it, or a member whose token for it carries the
  /// permission. Others learn nothing of the service (404), except its members (403).
  func service(
    _ request: ServiceAdminRequest, actor caller: AdminActor, needs permission: Permission
  ) async throws -> ((UUID, PlatformRole), ServiceView) {
    try await service(request, actor: caller, needs: [permission])
  }

  private func service(
    _ request: ServiceAdminRequest, actor caller: AdminActor, needs permissions: [Permission]
  ) async throws -> ((UUID, PlatformRole), ServiceView) {
    guard let actor = UUID(uuidString: caller.userID) else { throw Self.forbidden }
    let role = PlatformRole(rawValue: caller.platformRole) ?? .user
    guard let slug = request.slug, let service = try await store.find(slug: slug) else { throw Self.notFound }
    let isPlatformAdmin = role == .superAdmin || (role == .serviceAdmin && service.ownerUserID == actor.uuidString.lowercased())
    if !isPlatformAdmin {
      guard caller.service == slug else { throw Self.notFound }
      if let missing = permissions.first(where: { !caller.permissions.contains($0.rawValue) }) {
        throw ServiceAdminProblems.forbidden.problem("Your role in \(slug) does not have \(missing.rawValue).")
      }
    }
    if service.requireAdminMFA, !caller.passedMFARecently() {
      throw MFAProblems.mfaRequiredByService.problem(
        "\(service.slug) requires its admins to have passed MFA in the last 30 minutes; enrol TOTP and step up.")
    }
    return ((actor, role), service)
  }

  private func announce(_ slug: String) async {
    _ = try? await events.publish(Topics.config, ConfigChanged(service: slug))
  }

  static func admin(_ actor: AdminActor) throws(Problem) -> (UUID, PlatformRole) {
    guard let id = UUID(uuidString: actor.userID), let role = PlatformRole(rawValue: actor.platformRole),
      role == .superAdmin || role == .serviceAdmin
    else { throw forbidden }
    return (id, role)
  }

  static let forbidden = ServiceAdminProblems.forbidden.problem("This needs a SUPER_ADMIN, or the SERVICE_ADMIN who owns the service.")
  static let notFound = ServiceAdminProblems.serviceNotFound.problem("No such service.")
  static let unknownRole = RequestProblems.invalidField.problem(
    "role is one of \(ServiceRole.allCases.map(\.rawValue).joined(separator: ", ")).", field: "role")
  static let unknownStatus = RequestProblems.invalidField.problem(
    "status is one of active, inactive, suspended, banned.",
    field: "status")
}
