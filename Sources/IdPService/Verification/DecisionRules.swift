import Foundation
import Shared

/// How a person's answer to a verification request is decided, from what was read before any
/// write (docs/idp.md, "The flow", step 3). Pure: every branch is tested without a database.
enum DecisionRules {
  /// What the decision reads about the transaction and the person.
  struct Facts: Sendable, Equatable {
    var status: VerificationStatusName
    /// Past `expires_at` by the database's clock.
    var expired: Bool
    /// Set while wrong PINs keep the person's approvals locked.
    var pinLockedUntil: Date?
    /// The person has wrong PINs counted; a right one clears them.
    var hadPinFailures: Bool
  }

  /// What to write, or why nothing is written.
  enum Conclusion: Sendable, Equatable {
    case alreadyDecided(VerificationStatusName)
    case expire
    case reject
    case pinLocked(until: Date)
    /// The transaction fails and the wrong PIN counts against the person.
    case wrongPin
    case approve(resetPinFailures: Bool)
  }

  /// Confirm (`pin` given) or reject (`pin` nil). Expiry comes before everything the person
  /// sent; a lock before the PIN is even compared, so a locked person learns nothing from it.
  static func evaluate(_ facts: Facts, pin: String?, pinMatches: (String) -> Bool) -> Conclusion {
    guard facts.status == .pending else { return .alreadyDecided(facts.status) }
    if facts.expired { return .expire }
    guard let pin else { return .reject }
    if let until = facts.pinLockedUntil { return .pinLocked(until: until) }
    guard pinMatches(pin) else { return .wrongPin }
    return .approve(resetPinFailures: facts.hadPinFailures)
  }

  /// After the conditional write changed nothing, read again: decided meanwhile, or (only
  /// now) expired, which this decision then records.
  static func afterLostRace(_ facts: Facts) -> Conclusion {
    facts.status == .pending && facts.expired ? .expire : .alreadyDecided(facts.status)
  }
}
