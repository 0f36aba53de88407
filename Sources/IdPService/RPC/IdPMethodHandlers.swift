// RPC/: idp-service's edge. Handlers are thin: decode, call the domain, answer.
import Foundation
import Shared

enum IdPMethodHandlers {
  static func register(
    _ router: inout RPCRouter, _ verification: Verification, _ phones: PhoneProof,
    _ administration: ServiceProviderAdministration
  ) {
    // The SP admin API: who asks is the call's principal; the gateway checked the platform role first.
    router.register(IdPRPC.createServiceProvider) { request, call in
      try await administration.create(request, actor: try call.adminActor(), requestID: call.requestID)
    }
    router.register(IdPRPC.listServiceProviders) { request, call in try await administration.list(request, actor: try call.adminActor()) }
    router.register(IdPRPC.updateServiceProvider) { request, call in
      try await administration.update(request, actor: try call.adminActor(), requestID: call.requestID)
    }
    router.register(IdPRPC.rotateServiceProviderSecret) { request, call in
      try await administration.rotateSecret(request, actor: try call.adminActor(), requestID: call.requestID)
    }
    router.register(IdPRPC.rotateResultKey) { request, call in
      try await administration.rotateResultKey(request, actor: try call.adminActor(), requestID: call.requestID)
    }
    router.register(IdPRPC.deliveries) { request, call in try await administration.deliveries(request, actor: try call.adminActor()) }
    router.register(IdPRPC.resendDelivery) { request, call in
      try await administration.resend(request, actor: try call.adminActor(), requestID: call.requestID)
    }
    router.register(IdPRPC.createRequest) { request, call in try await verification.request(request, requestID: call.requestID) }
    router.register(IdPRPC.requestStatus) { request, _ in try await verification.status(request) }
    router.register(IdPRPC.result) { request, call in try await verification.result(request, requestID: call.requestID) }
    // The person's side: the user is the call's principal, verified by the gateway.
    router.register(IdPRPC.profile) { _, call in try await phones.view(userID: try Verification.user(try call.signedInUserID())) }
    router.register(IdPRPC.putProfile) { request, call in
      try await phones.putProfile(request, user: try call.signedInUserID(), requestID: call.requestID)
    }
    router.register(IdPRPC.verifyPhone) { request, call in
      try await phones.verify(request, user: try call.signedInUserID(), requestID: call.requestID)
    }
    router.register(IdPRPC.changePin) { request, call in
      try await verification.changePin(request, user: try call.signedInUserID(), requestID: call.requestID)
    }
    // token-service, after an account was deleted.
    router.register(IdPRPC.eraseAccount) { request, call in
      try await verification.profiles.erase(userID: try Verification.user(request.userID), requestID: call.requestID)
    }
    router.register(IdPRPC.inbox) { _, call in try await verification.inbox(userID: try call.signedInUserID()) }
    router.register(IdPRPC.history) { request, call in try await verification.history(request, userID: try call.signedInUserID()) }
    registerReports(&router, verification, administration)
    router.register(IdPRPC.callLimit) { request, _ in try await verification.providers.callLimit(request) }
    router.register(IdPRPC.confirm) { request, call in
      try await verification.decide(request, user: try call.signedInUserID(), confirm: true, requestID: call.requestID)
    }
    router.register(IdPRPC.reject) { request, call in
      try await verification.decide(request, user: try call.signedInUserID(), confirm: false, requestID: call.requestID)
    }
  }

  /// Statistics and lists for providers' admins and operators.
  static func registerReports(
    _ router: inout RPCRouter, _ verification: Verification, _ administration: ServiceProviderAdministration
  ) {
    router.register(IdPRPC.stats) { request, _ in try await verification.statistics(request) }
    router.register(IdPRPC.adminStats) { request, call in
      let provider = try await administration.managed(request, actor: try call.adminActor())
      return try await verification.statistics(spID: provider.id, name: provider.name, days: request.days ?? 30)
    }
    router.register(IdPRPC.adminTransactions) { query, call in
      let actor = try call.adminActor()
      guard let clientID = query.clientID else {
        let (admin, role) = try ServiceProviderAdministration.admin(actor)
        return try await verification.transactions(role == .superAdmin ? .all : .ownedBy(admin), query)
      }
      let provider = try await administration.managed(SPAdminRequest(clientID: clientID), actor: actor)
      return try await verification.transactions(.one(provider.id), query)
    }
    router.register(IdPRPC.adminProfile) { request, call in try await verification.adminProfile(request, actor: try call.adminActor()) }
  }
}
