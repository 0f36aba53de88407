import Foundation
import Shared

/// Who a provider account belongs to (docs/social.md): an existing link signs that user in;
/// otherwise token-service finds the account of a verified e-mail or creates one, and the link
/// is made. A lock per provider account makes concurrent first sign-ins of one provider
/// account end with one user and one link.
struct AccountLinker: Sendable {
  let links: LinkedAccountStore
  let rpc: RPCClient

  func signIn(
    service: String, provider: String, profile: NormalisedProfile, tokens: ProviderClient.Tokens,
    requestID: String?
  ) async throws -> UUID {
    try await links.withIdentityLock(provider: provider, providerUserID: profile.providerID) { connection in
      if let user = try await links.user(provider: provider, providerUserID: profile.providerID, on: connection) {
        try await links.touch(userID: user, provider: provider, profile: profile, on: connection)
        return user
      }
      let answer = try await rpc.call(
        TokenRPC.socialUser,
        SocialUserQuery(
          service: service, provider: provider, email: profile.email, emailVerified: profile.emailVerified,
          firstName: profile.firstName, lastName: profile.lastName, username: profile.username),
        context: RPCCallContext(requestID: requestID))
      guard let user = UUID(uuidString: answer.userID) else { throw Problem.internalError() }
      try await links.link(
        userID: user, provider: provider, profile: profile, tokens: tokens, serviceID: nil,
        requestID: requestID, on: connection)
      return user
    }
  }

  /// A signed-in user links a provider account (never one already linked to someone else).
  func link(userID: UUID, provider: String, profile: NormalisedProfile, tokens: ProviderClient.Tokens?, requestID: String?) async throws {
    try await links.withIdentityLock(provider: provider, providerUserID: profile.providerID) { connection in
      if let owner = try await links.user(provider: provider, providerUserID: profile.providerID, on: connection) {
        guard owner == userID else {
          throw SocialProblems.alreadyLinked.problem("This \(provider) account is linked to another user.")
        }
        try await links.touch(userID: userID, provider: provider, profile: profile, on: connection)
        return
      }
      try await links.link(
        userID: userID, provider: provider, profile: profile, tokens: tokens, serviceID: nil,
        requestID: requestID, on: connection)
    }
  }
}
