import Foundation
import Shared

/// The verification flow (docs/idp.md): an SP asks, the person's
/// app is told, the person approves with their PIN (or declines), and the SP hears the outcome.
struct Verification: Sendable {
  let providers: ServiceProviderStore
  let profiles: IdentityProfileStore
  let transactions: TransactionStore
  let decider: TransactionDecider
  let actors: TransactionActors
  let announcer: DecisionAnnouncer
  let vault: IdentityVault
  let pins: PinVerifier
  let events: EventBus
  let rules: Rules
  /// Repeated failed verifications of one person (docs/security.md, "Signals").
  let signals: SecuritySignals

  struct Rules: Sendable {
    /// How long a request waits for the person (3 minutes; docs/idp.md).
    var lifetime: Duration = .seconds(180)
    /// Undecided requests one person may have at once.
    var maxPending = 3
    /// Unknown phone numbers an SP, an owner's SPs and the deployment may ask about per 10
    /// minutes, so numbers cannot be enumerated cheaply.
    var unknownNumbers = UnknownNumberLimits()
    /// Verification requests an SP's plan allows a month.
    var plans = PlanLimits([:])

    static func load(_ settings: Settings = .fromEnvironment()) throws(ConfigurationError) -> Rules {
      Rules(
        lifetime: .seconds(try settings.int("GATEHOUSE_IDP_REQUEST_TTL_SECONDS", default: 180, range: 1...3_600)),
        maxPending: try settings.int("GATEHOUSE_IDP_MAX_PENDING", default: 3, range: 1...100),
        unknownNumbers: try UnknownNumberLimits.load(settings), plans: try PlanLimits.load(.monthlyVerifications, settings))
    }
  }

  // MARK: the SP's side

  func request(_ request: VerificationRequest, requestID: String?) async throws -> VerificationStatus {
    let sp = try await providers.authenticate(request.credentials)
    let phone = request.body.userPhoneNumber.trimmingCharacters(in: .whitespaces)
    try PhoneNumber.check(phone)
    let purpose = request.body.purpose ?? ""
    guard purpose.count <= 200 else {
      throw RequestProblems.invalidField.problem("A purpose has at most 200 characters.", field: "purpose")
    }
    guard
      let (status, item, userID) = try await transactions.create(
        sp: sp, phoneNumber: phone, purpose: purpose, lifetime: rules.lifetime, maxPending: rules.maxPending,
        unknownNumbers: rules.unknownNumbers, monthlyLimit: rules.plans.limit(sp.plan),
        caller: Caller(requestID: requestID, client: request.client))
    else {
      throw IdPProblems.userNotFound.problem("No one with this phone number uses Gatehouse verification.")
    }
    // The answer does not wait for the push; the app also finds the request in its inbox.
    Task { [events] in _ = try? await events.publish(Topics.notify(user: userID.uuidString.lowercased()), item) }
    return status
  }

  func status(_ request: SPTransactionRequest) async throws -> VerificationStatus {
    let sp = try await providers.authenticate(request.credentials)
    guard let id = UUID(uuidString: request.transactionID), let status = try await transactions.status(id: id, spID: sp.id) else {
      throw TransactionStore.notFound
    }
    return status
  }

  func result(_ request: SPResultRequest, requestID: String?) async throws -> VerificationResult {
    let sp = try await providers.authenticate(request.credentials)
    guard let id = UUID(uuidString: request.transactionID) else { throw TransactionStore.notFound }
    return try await transactions.result(
      id: id, sp: sp, authCode: request.authCode, caller: Caller(requestID: requestID, client: request.client))
  }

  func statistics(_ request: StatsRequest) async throws -> Statistics {
    let sp = try await providers.authenticate(request.credentials)
    return try await statistics(spID: sp.id, name: sp.name, days: request.days)
  }

  /// For the SP itself, its owner or a super admin (who decides who may read is the caller's).
  func statistics(spID: UUID, name: String, days: Int) async throws -> Statistics {
    guard (1...366).contains(days) else { throw RequestProblems.invalidField.problem("days is 1 to 366.", field: "days") }
    let (plan, requests) = try await transactions.thisMonth(spID: spID)
    return Statistics(
      serviceProvider: name, days: try await transactions.statistics(spID: spID, days: days),
      month: MonthlyVerifications(plan: plan, requests: requests, limit: rules.plans.limit(plan)))
  }

  /// An SP's transactions for its owner or a super admin (the caller decides who may read).
  func transactions(_ providers: TransactionStore.Providers, _ query: TransactionQuery) async throws -> TransactionList {
    guard (1...100).contains(query.limit) else { throw RequestProblems.invalidField.problem("limit is 1 to 100.", field: "limit") }
    var status: VerificationStatusName?
    if let named = query.status {
      guard let known = VerificationStatusName(rawValue: named.uppercased()) else {
        throw RequestProblems.invalidField.problem("status is pending, completed, failed or expired.", field: "status")
      }
      status = known
    }
    return try await transactions.list(
      providers, status: status, from: query.from, to: query.to, limit: query.limit, cursor: query.cursor)
  }

  // MARK: the person's side

  func history(_ request: HistoryRequest, userID: String) async throws -> History {
    guard (1...100).contains(request.limit) else { throw RequestProblems.invalidField.problem("limit is 1 to 100.", field: "limit") }
    return try await transactions.history(userID: try Self.user(userID), limit: request.limit, cursor: request.cursor)
  }

  func changePin(_ request: ChangePin, user: String, requestID: String?) async throws -> IdentityProfileView {
    let userID = try Self.user(user)
    guard let profile = try await profiles.profile(userID: userID) else { throw Self.noProfile }
    if let until = profile.pinLockedUntil { throw Self.pinLocked(until) }
    guard pins.matches(request.body.currentPinCode, userID: userID, verifier: profile.pinVerifier) else {
      let locked = try await transactions.postgres.withConnection { try await profiles.recordWrongPin(userID: userID, on: $0) }
      if let locked { throw Self.pinLocked(locked) }
      throw IdPProblems.invalidPIN.problem("current_pin_code is not your PIN.", field: "current_pin_code")
    }
    try PinVerifier.check(request.body.pinCode, field: "pin_code")
    try await profiles.setPin(
      userID: userID, verifier: pins.verifier(userID: userID, pin: request.body.pinCode),
      caller: Caller(requestID: requestID, client: request.client))
    guard let updated = try await profiles.profile(userID: userID) else { throw Self.noProfile }
    return updated.view
  }

  func inbox(userID: String) async throws -> Inbox {
    Inbox(requests: try await transactions.inbox(userID: try Self.user(userID)))
  }

  /// Confirm (with the PIN) or reject: serialised per transaction on this instance, decided by
  /// the locked row across instances.
  func decide(_ request: UserDecision, user: String, confirm: Bool, requestID: String?) async throws -> DecisionResult {
    let userID = try Self.user(user)
    guard let id = UUID(uuidString: request.transactionID) else { throw TransactionStore.notFound }
    if confirm {
      guard let pin = request.pinCode else {
        throw RequestProblems.missingField.problem("pin_code is required.", field: "pin_code")
      }
      guard pin.count == 6, pin.allSatisfy({ $0.isASCII && $0.isNumber }) else {
        throw RequestProblems.invalidField.problem("A PIN is six digits.", field: "pin_code")
      }
    }
    let decider = self.decider
    let pin = confirm ? request.pinCode : nil
    let caller = Caller(requestID: requestID, client: request.client)
    let here = announcer.direct.reserve()
    let outcome: TransactionDecider.Decision
    do {
      outcome = try await actors.actor(for: id).decide(by: userID) {
        try await decider.decide(id: id, userID: userID, pin: pin, claimDelivery: here, caller: caller)
      }
    } catch {
      if here { announcer.direct.release() }
      throw error
    }
    if here, outcome.delivery?.claimedHere != true { announcer.direct.release() }
    let idText = id.uuidString.lowercased()
    switch outcome {
    case .completed(let delivery):
      await announcer.announce(delivery)
      SecurityCounters.verification("completed")
      return DecisionResult(transactionID: idText, status: .completed)
    case .rejected(let delivery):
      await announcer.announce(delivery)
      SecurityCounters.verification("rejected")
      await signals.count(.failedVerificationsOfPerson, subject: user)
      return DecisionResult(transactionID: idText, status: .failed)
    case .wrongPin(let delivery, let lockedUntil):
      await announcer.announce(delivery)
      SecurityCounters.verification("wrong_pin")
      if lockedUntil != nil { SecurityCounters.lockout("pin") }
      await signals.count(.failedVerificationsOfPerson, subject: user)
      let locked = lockedUntil.map { " PIN approval is locked until \($0.formatted(.iso8601))." } ?? ""
      throw IdPProblems.pinRejected.problem("The PIN is wrong; the request has failed." + locked, field: "pin_code")
    case .expired(let delivery):
      await announcer.announce(delivery)
      SecurityCounters.verification("expired")
      throw Self.expired
    case .alreadyDecided(.expired):
      throw Self.expired
    case .alreadyDecided(let status):
      throw IdPProblems.alreadyProcessed.problem("The request is \(status.rawValue) already.")
    case .pinLocked(let until):
      throw Self.pinLocked(until)
    }
  }

  static func user(_ id: String) throws(Problem) -> UUID {
    guard let user = UUID(uuidString: id) else { throw AccountProblems.accountNotFound.problem("No such account.") }
    return user
  }

  static let expired = IdPProblems.expired.problem("The request expired before it was decided.")

  static let noProfile = IdPProblems.profileNotFound.problem("Set up your verification profile first (PUT /api/v1/idp/profile).")

  static func pinLocked(_ until: Date) -> Problem {
    IdPProblems.pinLocked.problem("Too many wrong PINs. Try again after \(until.formatted(.iso8601)).")
  }
}
