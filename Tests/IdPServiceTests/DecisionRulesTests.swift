import Foundation
import Shared
import Testing

@testable import IdPService

/// docs/idp.md, "The flow", step 3: the order in which a person's answer is judged.
@Suite(.timeLimit(.minutes(2))) struct DecisionRulesTests {
  let pending = DecisionRules.Facts(status: .pending, expired: false, pinLockedUntil: nil, hadPinFailures: false)
  let lockedUntil = Date(timeIntervalSince1970: 2_000_000_000)

  func evaluate(_ facts: DecisionRules.Facts, pin: String?, right: String = "135790") -> DecisionRules.Conclusion {
    DecisionRules.evaluate(facts, pin: pin) { $0 == right }
  }

  @Test func theRightPinApprovesAndRejectingNeedsNoPin() {
    #expect(evaluate(pending, pin: "135790") == .approve(resetPinFailures: false))
    #expect(evaluate(pending, pin: nil) == .reject)
  }

  @Test func aWrongPinFailsTheRequestAndARightOneClearsEarlierFailures() {
    #expect(evaluate(pending, pin: "000000") == .wrongPin)
    var failedBefore = pending
    failedBefore.hadPinFailures = true
    #expect(evaluate(failedBefore, pin: "135790") == .approve(resetPinFailures: true))
  }

  @Test func aDecidedRequestStaysDecidedWhateverIsSent() {
    for status in [VerificationStatusName.completed, .failed, .expired] {
      var decided = pending
      decided.status = status
      decided.expired = true
      decided.pinLockedUntil = lockedUntil
      #expect(evaluate(decided, pin: "135790") == .alreadyDecided(status))
      #expect(evaluate(decided, pin: nil) == .alreadyDecided(status))
    }
  }

  @Test func expiryComesBeforeThePinAndBeforeARejection() {
    var expired = pending
    expired.expired = true
    expired.pinLockedUntil = lockedUntil
    #expect(evaluate(expired, pin: "135790") == .expire)
    #expect(evaluate(expired, pin: "000000") == .expire)
    #expect(evaluate(expired, pin: nil) == .expire)
  }

  /// A locked person's PIN is not compared at all, so the lock cannot be used to guess it.
  @Test func aLockRefusesEvenTheRightPinWithoutComparingIt() {
    var locked = pending
    locked.pinLockedUntil = lockedUntil
    var compared = false
    let conclusion = DecisionRules.evaluate(locked, pin: "135790") { _ in
      compared = true
      return true
    }
    #expect(conclusion == .pinLocked(until: lockedUntil))
    #expect(!compared)
    // Rejecting needs no PIN, so a locked person may still decline.
    #expect(evaluate(locked, pin: nil) == .reject)
  }

  @Test func aLostRaceEndsInTheStatusFoundOrRecordsAnExpiry() {
    var completed = pending
    completed.status = .completed
    #expect(DecisionRules.afterLostRace(completed) == .alreadyDecided(.completed))
    var expiredPending = pending
    expiredPending.expired = true
    #expect(DecisionRules.afterLostRace(expiredPending) == .expire)
    var expiredCompleted = completed
    expiredCompleted.expired = true
    #expect(DecisionRules.afterLostRace(expiredCompleted) == .alreadyDecided(.completed))
  }
}
