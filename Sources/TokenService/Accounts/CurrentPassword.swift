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
    func check(_ password: String, against hash: String, userID: UUID, serviceID: () async throws -> UUID?,
               client: ClientInfo, requestID: String?) async throws {
        let subject = SignInThrottle.Subject(userID: userID, typed: "", client: client)
        try await throttle.admit(subject)
        let matches: Bool
        do {
            matches = try await hasher.verify(password, against: hash)
        } catch {
            try? await throttle.release(subject)
            throw error
        }
        guard matches else {
            if let until = try await throttle.failed(subject, serviceID: try await serviceID(), client: client, requestID: requestID) {
                throw SignInThrottle.locked(until: until)
            }
            throw Problem(status: 403, code: "invalid_current_password", title: "Wrong password",
                          detail: "current_password is not this account's password.", field: "current_password")
        }
        try await throttle.succeeded(subject)
    }
}
