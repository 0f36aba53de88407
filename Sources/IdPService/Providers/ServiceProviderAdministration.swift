import Foundation
import Shared

/// The SP admin API's rules: SUPER_ADMIN manages every SP; a SERVICE_ADMIN creates SPs (it owns
/// them) and manages only those (others read as 404); anyone else is refused by the gateway.
struct ServiceProviderAdministration: Sendable {
  let store: ServiceProviderStore
  let environment: DeploymentEnvironment

  func create(_ request: SPAdminRequest, actor caller: AdminActor, requestID: String?) async throws -> ServiceProviderCreated {
    let (actor, role) = try Self.admin(caller)
    let body = request.body ?? ServiceProviderBody()
    var owner = body.ownerUserID.flatMap(UUID.init(uuidString:))
    if role == .serviceAdmin {
      guard owner == nil || owner == actor else { throw Self.forbidden }
      owner = actor
    }
    guard let name = body.name else { throw Self.missing("name") }
    guard let callbackURL = body.callbackURL else { throw Self.missing("callback_url") }
    let provider = try await NewServiceProvider(name: name, callbackURL: callbackURL, ownerUserID: owner, environment: environment)
    let secrets = try await store.create(provider, requestID: requestID)
    guard let view = try await store.view(clientID: secrets.clientID) else { throw Problem.internalError() }
    return ServiceProviderCreated(
      serviceProvider: view, clientSecret: secrets.clientSecret, webhookSecret: secrets.webhookSecret,
      resultKey: ResultKey(kid: secrets.resultKeyID, k: secrets.resultKey))
  }

  /// The providers the admin manages; with a client id, that one only (404 as for the others
  /// when it is not the admin's).
  func list(_ request: SPAdminRequest, actor caller: AdminActor) async throws -> ServiceProviderList {
    if request.clientID != nil { return ServiceProviderList(serviceProviders: [try await provider(request, actor: caller).1]) }
    let (actor, role) = try Self.admin(caller)
    return ServiceProviderList(serviceProviders: try await store.list(owner: role == .superAdmin ? nil : actor))
  }

  func update(_ request: SPAdminRequest, actor caller: AdminActor, requestID: String?) async throws -> ServiceProviderView {
    let (actor, provider) = try await provider(request, actor: caller)
    let body = request.body ?? ServiceProviderBody()
    guard body.ownerUserID == nil else {
      throw RequestProblems.invalidField.problem("owner_user_id does not change here.", field: "owner_user_id")
    }
    // The rules of creation, for what is given.
    if let name = body.name { try NewServiceProvider.check(name: name) }
    if let callbackURL = body.callbackURL { try await NewServiceProvider.check(callbackURL: callbackURL, environment: environment) }
    guard let id = UUID(uuidString: provider.id) else { throw Self.notFound }
    try await store.update(
      id: id, name: body.name, callbackURL: body.callbackURL, isActive: body.isActive, actor: actor, requestID: requestID)
    guard let updated = try await store.view(clientID: provider.clientID) else { throw Self.notFound }
    return updated
  }

  func rotateSecret(_ request: SPAdminRequest, actor caller: AdminActor, requestID: String?) async throws -> ServiceProviderSecret {
    let (actor, provider) = try await provider(request, actor: caller)
    guard let id = UUID(uuidString: provider.id) else { throw Self.notFound }
    return try await store.rotateSecret(id: id, clientID: provider.clientID, actor: actor, requestID: requestID)
  }

  func rotateResultKey(_ request: SPAdminRequest, actor caller: AdminActor, requestID: String?) async throws -> ResultKey {
    let (actor, provider) = try await provider(request, actor: caller)
    guard let id = UUID(uuidString: provider.id) else { throw Self.notFound }
    return try await store.rotateResultKey(id: id, clientID: provider.clientID, actor: actor, requestID: requestID)
  }

  func deliveries(_ request: SPAdminRequest, actor caller: AdminActor) async throws -> DeliveryList {
    let (_, provider) = try await provider(request, actor: caller)
    if let status = request.status, !["pending", "delivered", "dead"].contains(status) {
      throw RequestProblems.invalidField.problem("status is pending, delivered or dead.", field: "status")
    }
    guard let id = UUID(uuidString: provider.id) else { throw Self.notFound }
    return DeliveryList(deliveries: try await store.deliveries(spID: id, status: request.status))
  }

  /// A dead delivery goes back to pending for a new series of attempts under the same delivery
  /// id (the sweeper hands it to a worker within its period). Only dead ones: 409 otherwise.
  func resend(_ request: SPAdminRequest, actor caller: AdminActor, requestID: String?) async throws -> DeliveryList {
    let (actor, provider) = try await provider(request, actor: caller)
    guard let id = UUID(uuidString: provider.id), let deliveryID = request.deliveryID.flatMap(UUID.init(uuidString:)) else {
      throw IdPProblems.deliveryNotFound.problem("No such delivery.")
    }
    guard let previous = try await store.resend(deliveryID: deliveryID, spID: id, actor: actor, requestID: requestID) else {
      throw IdPProblems.deliveryNotFound.problem("No such delivery.")
    }
    guard previous == "dead" else {
      throw IdPProblems.notDead.problem("Only a dead-lettered delivery is resent; this one is \(previous).")
    }
    return DeliveryList(
      deliveries: try await store.deliveries(spID: id, status: nil).filter { $0.deliveryID == deliveryID.uuidString.lowercased() })
  }

  /// The SP `request.client_id` names, when the actor may manage it (a SUPER_ADMIN, or the
  /// SERVICE_ADMIN who owns it); 404 otherwise, so others cannot tell which client ids exist.
  func managed(_ request: SPAdminRequest, actor caller: AdminActor) async throws -> (id: UUID, name: String) {
    let (_, provider) = try await provider(request, actor: caller)
    guard let id = UUID(uuidString: provider.id) else { throw Self.notFound }
    return (id, provider.name)
  }

  private func provider(_ request: SPAdminRequest, actor caller: AdminActor) async throws -> (UUID, ServiceProviderView) {
    let (actor, role) = try Self.admin(caller)
    guard let clientID = request.clientID, let provider = try await store.view(clientID: clientID),
      role == .superAdmin || provider.ownerUserID == actor.uuidString.lowercased()
    else { throw Self.notFound }
    return (actor, provider)
  }

  static func admin(_ actor: AdminActor) throws(Problem) -> (UUID, PlatformRole) {
    guard let id = UUID(uuidString: actor.userID), let role = PlatformRole(rawValue: actor.platformRole),
      role == .superAdmin || role == .serviceAdmin
    else { throw forbidden }
    return (id, role)
  }

  static func missing(_ field: String) -> Problem {
    RequestProblems.missingField.problem("\(field) is required.", field: field)
  }

  static let forbidden = ServiceAdminProblems.forbidden.problem(
    "This needs a SUPER_ADMIN, or the SERVICE_ADMIN who owns the service provider.")
  static let notFound = IdPProblems.serviceProviderNotFound.problem("No such service provider.")
}
