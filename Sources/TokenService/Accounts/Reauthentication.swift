import Foundation
import Shared

/// The gate in front of account-security changes (docs/security.md): a stolen access token must not be
/// enough to attach an attacker's social account (and then sign in as the victim everywhere).
/// The token must be of a first-party service (the deployment's own apps, marked by the
/// operator), and its session must have proved who is there within the last 10 minutes: the
/// current password sent with the request (counted by the sign-in throttle), a second factor, or
/// for an account with neither, the sign-in itself.
struct Reauthentication: Sendable {
  static let window = 10 * 60

  let firstParty: FirstParty
  let logins: LoginStore
  let store: AccountSecurityStore
  let currentPassword: CurrentPassword

  func check(_ request: ReauthenticationRequest, caller: SignedInCaller, requestID: String?) async throws -> Reauthenticated {
    guard let userID = UUID(uuidString: caller.userID), let account = try await logins.account(id: userID), account.isActive else {
      throw AccountProblems.accountNotFound.problem("No such account.")
    }
    guard let sessionID = UUID(uuidString: caller.sessionID ?? "") else { throw Self.sessionRequired }
    let service = try await firstParty.require(caller.service)
    // An empty field (a form sent without it) is no attempt: it neither counts as a wrong password nor proves one.
    if let password = request.currentPassword, !password.isEmpty, let hash = account.passwordHash {
      try await currentPassword.check(
        password, against: hash, userID: userID, serviceID: { service.id }, client: request.client,
        requestID: requestID)
      guard
        try await store.markReauthenticated(
          sessionID: sessionID, userID: userID, serviceID: service.id, purpose: request.purpose,
          client: request.client, requestID: requestID)
      else {
        // It ended meanwhile (signed out, or the account deleted by a request running alongside).
        throw Self.sessionEnded
      }
    }
    // The outer nil: the session ended meanwhile (signed out, or the account deleted alongside).
    guard
      let proof = try await store.lastProof(
        sessionID: sessionID, userID: userID, hasPassword: account.passwordHash != nil, mfaEnabled: account.mfaEnabled)
    else { throw Self.sessionEnded }
    guard let proof, Date().timeIntervalSince(proof) < Double(Self.window) else {
      throw AccountProblems.reauthenticationRequired.problem(
        account.passwordHash != nil
          ? "Send current_password with this request (or pass the second factor again)."
          : "Sign in again (or pass the second factor again) within 10 minutes of this request.")
    }
    return Reauthenticated(until: proof.addingTimeInterval(Double(Self.window)))
  }

  static let sessionEnded = SignInProblems.invalidToken.problem("This session has ended.")
  static let sessionRequired = AccountProblems.sessionRequired.problem("Account security is changed with a person's own session token.")
}
