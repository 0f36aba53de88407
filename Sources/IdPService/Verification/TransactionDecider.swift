import Foundation
import Shared

/// Decides a person's own PENDING transaction: one read, the rules (`DecisionRules`), then one
/// conditional statement that commits the status, the auth_code, the audit rows and the callback
/// delivery together only while the row is still PENDING. Of any number of concurrent decisions
/// on any number of instances exactly one changes it; the rest find it decided. Expiry is
/// checked by that statement too, never by trusting the read (docs/idp.md, "The flow", step 3).
struct TransactionDecider: Sendable {
  let store: TransactionStore
  let providers: ServiceProviderStore
  let vault: IdentityVault
  let pins: PinVerifier

  /// What a decision did. Refusals that change state (expired, wrong PIN) are outcomes, not
  /// errors, so that their change commits before the refusal is answered.
  enum Decision: Sendable {
    case completed(TransactionStore.Delivery)
    case rejected(TransactionStore.Delivery)
    case wrongPin(TransactionStore.Delivery, lockedUntil: Date?)
    case expired(TransactionStore.Delivery)
    case alreadyDecided(VerificationStatusName)
    case pinLocked(until: Date)

    var delivery: TransactionStore.Delivery? {
      switch self {
      case .completed(let delivery), .rejected(let delivery), .wrongPin(let delivery, _), .expired(let delivery): return delivery
      case .alreadyDecided, .pinLocked: return nil
      }
    }
  }

  /// Confirms (with `pin`) or rejects (`pin` nil). `claimDelivery`: this instance sends the
  /// callback's first attempt itself.
  func decide(id: UUID, userID: UUID, pin: String?, claimDelivery: Bool, caller: Caller) async throws -> Decision {
    guard let row = try await store.decisionRow(id: id, userID: userID) else { throw TransactionStore.notFound }
    let attempt = Attempt(decider: self, id: id, userID: userID, row: row, claimDelivery: claimDelivery, caller: caller)
    let conclusion = DecisionRules.evaluate(row.facts, pin: pin) { pins.matches($0, userID: userID, verifier: row.pinVerifier) }
    return try await attempt.carry(out: conclusion)
  }

  /// One decision on one read of the transaction.
  private struct Attempt: Sendable {
    let decider: TransactionDecider
    let id: UUID
    let userID: UUID
    let row: TransactionStore.DecisionContext.Row
    let claimDelivery: Bool
    let caller: Caller

    var store: TransactionStore { decider.store }

    func carry(out conclusion: DecisionRules.Conclusion) async throws -> Decision {
      switch conclusion {
      case .alreadyDecided(let status):
        return .alreadyDecided(status)
      case .pinLocked(let until):
        return .pinLocked(until: until)
      case .expire:
        let outcome = TransactionStore.Outcome(status: .expired, reason: "expired", audits: [("AUTH_EXPIRED", [:])])
        guard let delivery = try await conclude(outcome) else { return try await lost() }
        return .expired(delivery)
      case .reject:
        let outcome = TransactionStore.Outcome(status: .failed, reason: "rejected", audits: [("AUTH_FAILED", ["reason": "rejected"])])
        guard let delivery = try await conclude(outcome) else { return try await lost() }
        return .rejected(delivery)
      case .wrongPin:
        guard
          let (delivery, locked) = try await store.concludeWrongPin(
            id, row: row, actor: userID, claimHere: claimDelivery, caller: caller)
        else { return try await lost() }
        return .wrongPin(delivery, lockedUntil: locked)
      case .approve(let resetPinFailures):
        guard let delivery = try await conclude(try approval(resetPinFailures: resetPinFailures)) else { return try await lost() }
        return .completed(delivery)
      }
    }

    private func conclude(_ outcome: TransactionStore.Outcome) async throws -> TransactionStore.Delivery? {
      try await store.conclude(id, row: row, outcome: outcome, actor: userID, claimHere: claimDelivery, caller: caller)
    }

    /// The conditional statement changed nothing: decided meanwhile, or (only now) expired.
    private func lost() async throws -> Decision {
      guard let now = try await store.decisionRow(id: id, userID: userID) else { throw TransactionStore.notFound }
      let again = Attempt(decider: decider, id: id, userID: userID, row: now, claimDelivery: claimDelivery, caller: caller)
      switch DecisionRules.afterLostRace(now.facts) {
      case .expire: return try await again.carry(out: .expire)
      case .alreadyDecided(let status): return .alreadyDecided(status)
      default: return .alreadyDecided(now.facts.status)
      }
    }

    /// The person approved: the SP's result, sealed for it alone, and the auth_code it pulls it with.
    private func approval(resetPinFailures: Bool) throws -> TransactionStore.Outcome {
      guard let resultKey = row.resultKey else { throw Problem.internalError() }
      let key = try decider.providers.openResultKey(resultKey.sealed, version: resultKey.version, kid: resultKey.kid)
      let ci = try decider.vault.openCI(row.ci, userID: userID)
      let authCode = Base64URL.encode(SecureRandom.bytes(32))
      let completedAt = Date()
      let payload = ResultPayload(
        transactionID: id.uuidString.lowercased(), authCode: authCode, ci: row.mayReceiveCI ? ci : nil,
        di: IdentityVault.di(ci: ci, spID: row.spID), completedAt: completedAt)
      let jwe = try ResultJWE.seal(Array(try JSON.encode(payload).readableBytesView), key: key, kid: resultKey.kid)
      return TransactionStore.Outcome(
        status: .completed, reason: nil, audits: [("AUTH_COMPLETED", [:]), ("CI_DI_ACCESS", ["via": "completion"])],
        resetPin: resetPinFailures, authCodeHash: ClientSecret.hash(authCode), jwe: jwe, completedAt: completedAt)
    }
  }
}
