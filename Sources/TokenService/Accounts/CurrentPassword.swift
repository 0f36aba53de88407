import Foundation
import Shared

/// A signed-in user proving it is them again (changing the password, starting MFA enrolment,
/// linking a social account). The attempt is claimed and counted by `SignInThrottle` like a
/// sign-in, so a stolen access token cannot be used to guess the password.
struct CurrentPassword: Sendable {
  let throttle: SignInThrottleStore
  let hasher: PasswordHasher

  /// Throws 403 `invalid_current_password` for a wrong one, 423 when this address is locked out
  /// of the account. `serviceID` (for the audit row) is looked up only when the password is wrong.
  func check(
    _ password: String, against hash: String, userID: UUID, serviceID: () async throws -> UUID?,
    client: ClientInfo, requestID: String?
  ) async throws {
    let subject = SignInThrottle.Subject(userID: userID, typed: nil, client: client)
    let pause = try await throttle.admit(subject)
    var settled = false
    do {
      if pause > .zero { try await Task.sleep(for: pause) }
      guard try await hasher.verify(password, against: hash) else {
        let lockedUntil = try await throttle.failed(
          subject, serviceID: try await serviceID(), client: client, requestID: requestID, slowed: pause)
        settled = true
        if let lockedUntil { throw SignInThrottle.locked(until: lockedUntil) }
        throw AccountProblems.invalidCurrentPassword.problem(
          "current_password is not this account's password.",
          field: "current_password")
      }
      try await throttle.succeeded(subject)
    } catch {
      if !settled { throttle.releaseDetached(subject) }
      throw error
    }
  }
}
