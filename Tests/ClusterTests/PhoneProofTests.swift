import Foundation
import PostgresNIO
import Testing

@testable import Shared
@testable import TestSupport

/// A phone number becomes a profile's only once its owner proves it with the code sent to it by
/// SMS (issue 22), checked end to end against the real executables and a real HTTP server standing
/// in for the SMS API.
///
/// Caught on the code before: `PUT /api/v1/idp/profile` answered 200 and gave the number at once,
/// so a squatter's profile received the service providers' requests for the owner's number and
/// the owner got 409 `phone_number_taken`; no SMS was sent and `/profile/phone/verify` did not
/// exist, so every test here fails at its first expectation.
@Suite(.serialized, .timeLimit(.minutes(5))) struct PhoneProofTests {
  let idp = IdPTests()

  static func randomNumber() -> String { "010-\(Int.random(in: 1000...9999))-\(Int.random(in: 1000...9999))" }

  /// Signed in to a first-party service, without a verification profile yet.
  func signedIn(_ cluster: Cluster, firstParty: Bool = true) async throws -> [String: String] {
    let account = try await cluster.api.makeAccount(firstParty: firstParty)
    return bearer(try await cluster.api.signIn(account).accessToken)
  }

  /// Sets the number (with `pin`, a new profile), with the account's password unless `password` says otherwise.
  func claim(
    _ cluster: Cluster, _ phone: String, auth: [String: String],
    pin: String? = "284615", password: String? = Account.password
  ) async throws -> Answer<IdentityProfileView> {
    try await cluster.api.post(
      "/api/v1/idp/profile", IdentityProfileBody(userPhoneNumber: phone, pinCode: pin, currentPassword: password),
      as: IdentityProfileView.self,
      method: .PUT, headers: auth)
  }

  func verify(_ cluster: Cluster, _ code: String, auth: [String: String]) async throws -> Answer<IdentityProfileView> {
    try await cluster.api.post(
      "/api/v1/idp/profile/phone/verify", PhoneCodeBody(code: code), as: IdentityProfileView.self,
      headers: auth)
  }

  /// The transactions waiting in the inbox of whoever `auth` signs in.
  func inbox(_ cluster: Cluster, _ auth: [String: String]) async throws -> [String] {
    try await cluster.api.get("/api/v1/idp/inbox", as: Inbox.self, headers: auth).decoded().requests.map(\.transactionID)
  }

  /// `sp` asks for the holder of `phone`.
  func ask(_ cluster: Cluster, _ sp: SPClient, _ phone: String) async throws -> Answer<VerificationStatus> {
    try await cluster.api.post(
      "/api/v1/idp/requests", VerificationRequestBody(userPhoneNumber: phone), as: VerificationStatus.self,
      headers: sp.auth)
  }

  func withOwner<T: Sendable>(_ cluster: Cluster, _ body: (PostgresClient) async throws -> T) async throws -> T {
    try await withPostgres(TestEnvironment.database(owner: true, name: cluster.database), body)
  }

  func auditCount(_ cluster: Cluster, _ action: String, phone: String) async throws -> Int {
    try await withOwner(cluster) { owner in
      var count = 0
      for try await value in try await owner.query(
        """
        SELECT count(*)::int FROM audit.events WHERE action = \(action) AND details->>'claim_id' IN (
            SELECT id::text FROM idp.phone_claims WHERE phone_number = \(phone))
        """, logger: TestEnvironment.logger
      ).decode(Int.self) { count = value }
      return count
    }
  }

  /// The squatter's claim sends the code to the number (the owner's phone), with the bearer
  /// token, and gives the squatter nothing: an SP's request for the number is 404 as for an
  /// unknown number, and the owner claims and proves it. Later a recycled number's new owner
  /// proves it too: the most recent proof wins, and the previous holder loses it, audited.
  @Test func aSquattersClaimNeitherBlocksTheOwnerNorReceivesRequests() async throws {
    try await idp.withReadyCluster { cluster, receiver in
      let sms = try await SMSReceiver.shared()
      let sp = try await cluster.api.makeSP(callback: receiver.url)
      let phone = Self.randomNumber()
      let squatter = try await signedIn(cluster)
      let owner = try await signedIn(cluster)

      let squatted = try await claim(cluster, phone, auth: squatter)
      #expect(squatted.status == 202, "\(squatted.body)")
      #expect(try squatted.decoded().userPhoneNumber == nil, "\(squatted.body)")
      let waiting = try squatted.decoded().phoneVerification
      #expect(waiting?.userPhoneNumber == phone && waiting?.attemptsLeft == 5, "\(squatted.body)")
      // The SMS API received the code for the number, with the operator's bearer token.
      _ = try await sms.code(to: phone)
      let first = try #require(await sms.messages(to: phone).first)
      #expect(first.authorization == "Bearer \(SMSReceiver.token)" && first.from == "Gatehouse", "\(first)")
      #expect(first.text.contains(try #require(first.code)))

      // Unproven: nobody holds the number, so an SP's request is 404 as for an unknown number.
      let asked = try await ask(cluster, sp, phone)
      #expect(asked.status == 404 && asked.problem?.code == "user_not_found", "\(asked.body)")
      #expect(try await inbox(cluster, squatter).isEmpty)
      // The squatter cannot guess it.
      #expect(try await verify(cluster, first.code == "000000" ? "000001" : "000000", auth: squatter).status == 403)

      // The owner is not blocked: a claim of their own, its code, the number is theirs.
      #expect(try await claim(cluster, phone, auth: owner).status == 202)
      try await cluster.api.proveNumber(phone, index: 1, auth: owner)
      let id = try await ask(cluster, sp, phone).decoded().transactionID
      let ownerInbox = try await inbox(cluster, owner)
      #expect(ownerInbox.contains(id), "\(ownerInbox)")
      #expect(try await inbox(cluster, squatter).contains(id) == false)
      #expect(try await auditCount(cluster, "IDP_PHONE_NUMBER_VERIFIED", phone: phone) == 1)

      // The number is recycled: its next owner proves it and takes it; the owner's profile loses it.
      let next = try await signedIn(cluster)
      #expect(try await claim(cluster, phone, auth: next).status == 202)
      try await cluster.api.proveNumber(phone, index: 2, auth: next)
      let released = try await withOwner(cluster) { owner in
        var count = 0
        for try await value in try await owner.query(
          """
          SELECT count(*)::int FROM audit.events WHERE action = 'IDP_PHONE_NUMBER_RELEASED'
            AND details->>'user_phone_number' = \(String(phone.prefix(4)) + "****" + String(phone.suffix(5)))
          """, logger: TestEnvironment.logger
        ).decode(Int.self) { count = value }
        return count
      }
      #expect(released == 1)
      let secondID = try await ask(cluster, sp, phone).decoded().transactionID
      #expect(try await inbox(cluster, next).contains(secondID))
      #expect(try await inbox(cluster, owner).contains(secondID) == false)
    }
  }

  /// Where a person's identity answers is account security (issue 27): with only a stolen access
  /// token, an attacker could point the victim's profile at the attacker's phone and then answer
  /// service providers' requests as the victim, CI and all. Setting the number needs the
  /// password (or a recent second factor) and a first-party app's token, as linking a social
  /// account does. Before: every refusal below was 202, with an SMS sent to the new number.
  @Test func settingTheNumberNeedsTheOwnersProofAndAFirstPartyApp() async throws {
    try await idp.withReadyCluster { cluster, _ in
      let sms = try await SMSReceiver.shared()
      let person = try await cluster.api.makePerson()
      // Setting up the profile proved the password just now; a thief comes after the 10 minutes.
      try await withOwner(cluster) { owner in
        _ = try await owner.query(
          """
          UPDATE token.sessions SET reauthenticated_at = now() - interval '11 minutes'
          WHERE user_id = (SELECT id FROM token.users WHERE username = \(person.account.username))
          """, logger: TestEnvironment.logger
        ).collect()
      }
      let stolen = Self.randomNumber()
      let bare = try await claim(cluster, stolen, auth: person.auth, pin: nil, password: nil)
      #expect(bare.status == 403 && bare.problem?.code == "reauthentication_required", "\(bare.body)")
      let guessed = try await claim(cluster, stolen, auth: person.auth, pin: nil, password: "not the password")
      #expect(guessed.status == 403 && guessed.problem?.code == "invalid_current_password", "\(guessed.body)")
      let thirdParty = try await signedIn(cluster, firstParty: false)
      let elsewhere = try await claim(cluster, stolen, auth: thirdParty)
      #expect(elsewhere.status == 403 && elsewhere.problem?.code == "first_party_required", "\(elsewhere.body)")
      // Nothing was claimed or sent for the refused number; the owner's number is unchanged.
      let claims = try await withOwner(cluster) { owner in
        try await owner.query("SELECT count(*)::int FROM idp.phone_claims WHERE phone_number = \(stolen)", logger: TestEnvironment.logger)
          .collect().first?.decode(Int.self)
      }
      let sent = await sms.messages(to: stolen)
      #expect(claims == 0 && sent.isEmpty)
      let profile = try await cluster.api.get("/api/v1/idp/profile", as: IdentityProfileView.self, headers: person.auth)
      #expect(profile.value?.userPhoneNumber == person.phone && profile.value?.phoneVerification == nil, "\(profile.body)")

      // The owner, with the password, moves to a new number; each proof is audited with what it was for.
      let moved = Self.randomNumber()
      #expect(try await claim(cluster, moved, auth: person.auth, pin: nil).status == 202)
      try await cluster.api.proveNumber(moved, auth: person.auth)
      let audited = try await withOwner(cluster) { owner in
        try await owner.query(
          """
          SELECT count(*)::int FROM audit.events e JOIN token.users u ON u.id = e.actor_user_id
          WHERE u.username = \(person.account.username) AND e.action = 'USER_REAUTHENTICATED'
            AND e.details->>'purpose' = 'identity_phone'
          """, logger: TestEnvironment.logger
        ).collect().first?.decode(Int.self)
      }
      #expect(audited == 2, "the set-up's and the move's proofs")
    }
  }

  /// Wrong codes count to five, then the claim is dead (even the right code is refused); an
  /// expired code is refused; a fourth code for a number within the hour, and a sixth for one
  /// person, are 429 with Retry-After; 20 concurrent right codes prove the number once.
  @Test func wrongExpiredTooManyAndConcurrentCodes() async throws {
    try await idp.withReadyCluster { cluster, _ in
      let sms = try await SMSReceiver.shared()
      let person = try await signedIn(cluster)
      let phone = Self.randomNumber()
      #expect(try await claim(cluster, phone, auth: person).status == 202)
      let code = try await sms.code(to: phone)
      let wrong = code == "000000" ? "000001" : "000000"
      #expect(try await verify(cluster, "12a456", auth: person).status == 422)
      for left in (1...4).reversed() {
        let answer = try await verify(cluster, wrong, auth: person)
        #expect(answer.status == 403 && answer.problem?.code == "invalid_code", "\(answer.body)")
        #expect(answer.body.contains("\(left) tr"), "\(answer.body)")
      }
      let fifth = try await verify(cluster, wrong, auth: person)
      #expect(fifth.status == 410 && fifth.problem?.code == "phone_claim_dead", "\(fifth.body)")
      let late = try await verify(cluster, code, auth: person)
      #expect(late.status == 410 && late.problem?.code == "phone_claim_dead", "\(late.body)")

      // An expired code: the claim's end moved into the past.
      #expect(try await claim(cluster, phone, auth: person, pin: nil).status == 202)
      let second = try await sms.code(to: phone, index: 1)
      try await withOwner(cluster) { owner in
        _ = try await owner.query(
          """
          UPDATE idp.phone_claims SET expires_at = now() - interval '1 second' WHERE phone_number = \(phone) AND status = 'PENDING'
          """, logger: TestEnvironment.logger
        ).collect()
      }
      let expired = try await verify(cluster, second, auth: person)
      #expect(expired.status == 410 && expired.problem?.code == "code_expired", "\(expired.body)")

      // Three codes per number per hour; the fourth is refused with Retry-After.
      #expect(try await claim(cluster, phone, auth: person, pin: nil).status == 202)
      let fourth = try await claim(cluster, phone, auth: person, pin: nil)
      #expect(fourth.status == 429 && fourth.problem?.code == "too_many_codes", "\(fourth.body)")
      #expect(Int(fourth.headers["retry-after"] ?? "") ?? 0 > 3_000, "\(fourth.headers)")
      // Five codes per person per hour: two more numbers, then the sixth is refused.
      #expect(try await claim(cluster, Self.randomNumber(), auth: person, pin: nil).status == 202)
      #expect(try await claim(cluster, Self.randomNumber(), auth: person, pin: nil).status == 202)
      let sixth = try await claim(cluster, Self.randomNumber(), auth: person, pin: nil)
      #expect(sixth.status == 429 && sixth.problem?.code == "too_many_codes", "\(sixth.body)")
      #expect(Int(sixth.headers["retry-after"] ?? "") ?? 0 > 0, "\(sixth.headers)")

      // 20 concurrent verifications with the right code prove the number once.
      let racer = try await signedIn(cluster)
      let racedPhone = Self.randomNumber()
      #expect(try await claim(cluster, racedPhone, auth: racer).status == 202)
      let racedCode = try await sms.code(to: racedPhone)
      let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
        for _ in 0..<20 { group.addTask { try await verify(cluster, racedCode, auth: racer).status } }
        return try await group.reduce(into: [Int]()) { $0.append($1) }
      }
      #expect(statuses.filter { $0 == 200 }.count == 1 && statuses.filter { $0 == 409 }.count == 19, "\(statuses.sorted())")
      #expect(try await auditCount(cluster, "IDP_PHONE_NUMBER_VERIFIED", phone: racedPhone) == 1)
    }
  }

  /// An SMS the API refuses is retried until it is sent; one it keeps refusing is dead after the
  /// last attempt, audited, and the number stays unproven.
  @Test func refusedMessagesAreRetriedThenDead() async throws {
    let environment = IdPTests.environment.merging(["GATEHOUSE_SMS_MAX_ATTEMPTS": "3", "GATEHOUSE_SMS_RETRY_BASE_MS": "100"]) { $1 }
    try await idp.withReadyCluster(environment: environment) { cluster, _ in
      let sms = try await SMSReceiver.shared()
      let retried = Self.randomNumber()
      await sms.refuse(retried, with: [503, 500])
      #expect(try await claim(cluster, retried, auth: try await signedIn(cluster)).status == 202)
      _ = try await sms.code(to: retried)
      #expect(await sms.refusals(of: retried) == 2)

      let refused = Self.randomNumber()
      await sms.refuse(refused, with: Array(repeating: 503, count: 10))
      #expect(try await claim(cluster, refused, auth: try await signedIn(cluster)).status == 202)
      #expect(
        try await eventually(timeout: .seconds(15)) { try await auditCount(cluster, "IDP_PHONE_CODE_DEAD_LETTERED", phone: refused) == 1 })
      #expect(await sms.refusals(of: refused) == 3)
      #expect(await sms.messages(to: refused).isEmpty)
    }
  }
}
