import Foundation
import Shared

/// `GET|POST /oauth/userinfo` (OIDC Core 1.0 section 5.3): the signed-in caller's claims by the
/// scope of the access token they presented; `sub` as the service's ID tokens give it.
struct UserInfo: Sendable {
  let logins: LoginStore

  func claims(of caller: Principal) async throws -> UserInfoClaims {
    guard caller.scopes.contains("openid") else {
      throw OpenIDProblems.insufficientScope.problem("This access token was not issued with the openid scope.")
    }
    guard let userID = UUID(uuidString: caller.userID ?? ""),
      let (account, service) = try await logins.account(id: userID, service: caller.serviceSlug ?? ""), account.isActive
    else {
      throw SignInProblems.invalidToken.problem("The token's account or service no longer exists.")
    }
    return ScopedClaims.userInfo(account, scopes: caller.scopes, service: service)
  }
}
