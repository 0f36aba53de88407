// RPC/: social-service's edge. Handlers are thin: decode, call the flow or store, answer.
import AsyncHTTPClient
import Foundation
import Shared

enum SocialMethodHandlers {
  static func register(_ router: inout RPCRouter, _ context: BackendContext) throws {
    let catalog = try readSetting(service: .social) { () throws(ConfigurationError) in try ProviderCatalog.load() }
    let timeout = try readSetting(service: .social) { () throws(ConfigurationError) in
      try Settings.fromEnvironment().int("GATEHOUSE_SOCIAL_PROVIDER_TIMEOUT_MS", default: 10_000, range: 100...60_000)
    }
    let client = ProviderClient(http: ProviderClient.noRedirects, timeout: .milliseconds(Int64(timeout)))
    let links = LinkedAccountStore(postgres: context.postgres, keyRing: context.keyRing, logger: context.logger)
    let signIn = SocialSignIn(
      catalog: catalog, client: client, flows: FlowStore(redis: context.redis), profiles: ProfileReader(client: client),
      accounts: AccountLinker(links: links, rpc: context.rpc), rpc: context.rpc, publicURL: context.config.issuer)
    router.register(SocialRPC.providers) { request, _ in try await signIn.providers(request) }
    // A link flow is for the signed-in user the gateway verified (the principal); a sign-in has none.
    router.register(SocialRPC.authorize) { request, call in
      try await signIn.authorize(request, linkUserID: request.link ? try call.signedInUserID() : nil)
    }
    router.register(SocialRPC.callback) { request, call in try await signIn.callback(request, requestID: call.requestID) }
    router.register(SocialRPC.exchange) { request, call in try await signIn.exchange(request, requestID: call.requestID) }
    router.register(SocialRPC.completeLink) { request, call in
      try await signIn.completeLink(request, userID: try call.signedInUserID(), requestID: call.requestID)
    }
    // token-service, after an account was deleted.
    router.register(SocialRPC.eraseAccount) { request, call in
      try await links.erase(userID: try Self.user(request.userID), requestID: call.requestID)
    }
    router.register(SocialRPC.linkedAccounts) { _, call in
      LinkedAccountList(accounts: try await links.accounts(userID: try Self.user(try call.signedInUserID())))
    }
    router.register(SocialRPC.unlink) { request, call in
      let userID = try call.signedInUserID()
      let user = try Self.user(userID)
      let methods = try await context.rpc.call(
        TokenRPC.loginMethods, SocialUserRequest(userID: userID, provider: request.provider),
        context: RPCCallContext(requestID: call.requestID))
      guard
        try await links.unlink(
          userID: user, provider: request.provider, hasPassword: methods.hasPassword,
          requestID: call.requestID)
      else {
        throw SocialProblems.notLinked.problem("No \(request.provider) account is linked.")
      }
      return LinkedAccountList(accounts: try await links.accounts(userID: user))
    }
  }

  static func user(_ userID: String) throws -> UUID {
    guard let id = UUID(uuidString: userID) else { throw AccountProblems.accountNotFound.problem("No such account.") }
    return id
  }
}
