import Foundation
import Logging
import Shared

/// A phone number becomes a profile's only once its owner proves it (docs/idp.md, "Phone numbers"): `PUT
/// /api/v1/idp/profile` with a new number opens a claim and sends a six-digit code to the number
/// by SMS (202); `POST /api/v1/idp/profile/phone/verify {code}` proves it. Until then the profile
/// keeps the number it had (a new person's has none), so a claim neither blocks anyone nor
/// receives a service provider's request. The most recent proof wins: a proven number leaves the
/// profile that held it, since carriers give numbers to new people.
struct PhoneProof: Sendable {
  let profiles: IdentityProfileStore
  let claims: PhoneClaimStore
  let codes: PhoneCodes
  let vault: IdentityVault
  let pins: PinVerifier
  let sms: SMSSettings
  let rules: PhoneCodeRules
  let redis: RedisClient
  let logger: Logger

  func putProfile(_ request: PutIdentityProfile, user: String, requestID: String?) async throws -> IdentityProfileView {
    let userID = try Verification.user(user)
    let phone = request.body.userPhoneNumber.trimmingCharacters(in: .whitespaces)
    try PhoneNumber.check(phone)
    var newProfile: PhoneClaimStore.NewProfile?
    if let profile = try await profiles.profile(userID: userID) {
      guard request.body.pinCode == nil else {
        throw RequestProblems.invalidField.problem(
          "Change the PIN with PUT /api/v1/idp/profile/pin, which asks for the current one.", field: "pin_code")
      }
      if profile.phoneNumber == phone { return try await view(userID: userID) }
    } else {
      guard let pin = request.body.pinCode else {
        throw RequestProblems.missingField.problem("A new profile needs pin_code.", field: "pin_code")
      }
      try PinVerifier.check(pin, field: "pin_code")
      newProfile = PhoneClaimStore.NewProfile(pinVerifier: pins.verifier(userID: userID, pin: pin), ci: try vault.newCI(userID: userID))
    }
    guard sms.canSend else {
      throw IdPProblems.smsUnavailable.problem(
        "This deployment cannot send the code that proves a phone number yet; try again later.",
        retryAfterSeconds: 60)
    }
    let claimID = SecureRandom.uuid()
    let code = PhoneCodes.newCode()
    let sealed = try codes.seal(code, claimID: claimID)
    let message = SMSDelivery.Payload(
      claimID: claimID, to: phone, sealedCode: Base64URL.encode(sealed.sealed), keyVersion: sealed.keyVersion)
    let (_, job) = try await claims.open(
      PhoneClaimStore.NewClaim(
        id: claimID, userID: userID, phoneNumber: phone, codeHash: codes.hash(code, claimID: claimID),
        lifetime: rules.lifetime, newProfile: newProfile),
      message: message, rules: rules, caller: Caller(requestID: requestID, client: request.client))
    await claims.outbox.dispatch(job, redis: redis, logger: logger)
    return try await view(userID: userID)
  }

  func verify(_ request: VerifyPhone, user: String, requestID: String?) async throws -> IdentityProfileView {
    let userID = try Verification.user(user)
    let code = request.code.trimmingCharacters(in: .whitespaces)
    guard PhoneCodes.wellFormed(code) else {
      throw RequestProblems.invalidField.problem("A code is the six digits sent by SMS.", field: "code")
    }
    let codes = self.codes
    let outcome = try await claims.prove(
      userID: userID, maxAttempts: rules.attempts,
      caller: Caller(requestID: requestID, client: request.client)
    ) { claimID, hash in
      codes.matches(code, claimID: claimID, hash: hash)
    }
    switch outcome {
    case .proven:
      return try await view(userID: userID)
    case .noClaim:
      throw IdPProblems.phoneClaimNotFound.problem("No phone number waits for a code: set one with PUT /api/v1/idp/profile.")
    case .alreadyProven:
      throw IdPProblems.phoneAlreadyVerified.problem("This number is proven already; setting another number sends a new code.")
    case .dead:
      throw Self.dead
    case .expired:
      throw IdPProblems.codeExpired.problem("The code has expired; PUT /api/v1/idp/profile again for a new one.", field: "code")
    case .wrongCode(let left) where left == 0:
      throw Self.dead
    case .wrongCode(let left):
      throw IdPProblems.invalidCode.problem("The code is wrong; \(left) \(left == 1 ? "try" : "tries") left.", field: "code")
    }
  }

  static let dead = IdPProblems.phoneClaimDead.problem(
    "Too many wrong codes: this code no longer works. PUT /api/v1/idp/profile again for a new one.", field: "code")

  /// The profile as its person sees it: the proven number and the one waiting for its code.
  func view(userID: UUID) async throws -> IdentityProfileView {
    guard let profile = try await profiles.profile(userID: userID) else { throw Verification.noProfile }
    let pending = try await claims.pending(userID: userID).map {
      PhoneVerificationPending(userPhoneNumber: $0.phone, expiresAt: $0.expiresAt, attemptsLeft: max(0, rules.attempts - $0.attempts))
    }
    return IdentityProfileView(
      userPhoneNumber: profile.phoneNumber, phoneVerification: pending, createdAt: profile.createdAt,
      updatedAt: profile.updatedAt)
  }
}
