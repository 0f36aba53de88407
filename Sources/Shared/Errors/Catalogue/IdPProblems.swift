/// Identity verification: service providers asking a person to approve a request by PIN, the
/// person's verification profile and phone number, and callbacks (docs/idp.md).
public enum IdPProblems: ProblemDomain {
  public static let name = "Identity verification (IdP)"
  public static let summary =
    "Service providers' verification requests, the person's profile, PIN and phone number, and callback deliveries ([idp](idp.md))."

  public static let invalidClient = OAuthProblems.invalidClient.variant(
    title: "Invalid client",
    doc: "A service provider's credentials are missing, malformed or wrong, or the provider is inactive; "
      + "send its client id and secret (HTTP Basic or `X-Client-ID` and `X-Client-Secret`).")
  public static let invalidPIN = ProblemKind(
    "invalid_pin", status: 403, title: "Wrong PIN",
    doc: "`current_pin_code` is not the person's PIN; repeated failures lock PIN approval (`pin_locked`).")
  public static let pinRejected = invalidPIN.variant(
    status: 401,
    doc: "A wrong PIN was given for a verification request, which has now failed; `detail` says if PIN approval is locked.")
  public static let invalidCode = ProblemKind(
    "invalid_code", status: 403, title: "Wrong code",
    doc: "The SMS code that proves a phone number is wrong; `detail` says how many tries are left.")
  public static let invalidAuthCode = ProblemKind(
    "invalid_auth_code", status: 403, title: "Invalid auth code",
    doc: "`auth_code` is not the one this transaction's callback delivered; use that one.")
  public static let userNotFound = ProblemKind(
    "user_not_found", status: 404, title: "Not found",
    doc: "Nobody with this phone number uses Gatehouse verification; the person sets up a profile first.")
  public static let profileNotFound = ProblemKind(
    "profile_not_found", status: 404, title: "Not found",
    doc: "The person has no verification profile yet; set one up with `PUT /api/v1/idp/profile`.")
  public static let phoneClaimNotFound = ProblemKind(
    "phone_claim_not_found", status: 404, title: "Not found",
    doc: "No phone number waits for a code; set one with `PUT /api/v1/idp/profile`.")
  public static let transactionNotFound = ProblemKind(
    "transaction_not_found", status: 404, title: "Not found",
    doc: "No verification request of this service provider (or this person) has this id.")
  public static let serviceProviderNotFound = ProblemKind(
    "service_provider_not_found", status: 404, title: "Not found",
    doc: "No service provider has this client id.")
  public static let deliveryNotFound = ProblemKind(
    "delivery_not_found", status: 404, title: "Not found",
    doc: "The service provider has no callback delivery with this id.")
  public static let alreadyProcessed = ProblemKind(
    "already_processed", status: 409, title: "Already processed",
    doc: "The verification request was decided already; `detail` gives its status.")
  public static let notCompleted = ProblemKind(
    "not_completed", status: 409, title: "Not completed",
    doc: "The verification request has no result to pull (it is pending, failed or expired); wait for its callback.")
  public static let authCodeUsed = ProblemKind(
    "auth_code_used", status: 409, title: "Auth code used",
    doc: "The result of this `auth_code` was pulled already; an auth code is good once.")
  public static let phoneAlreadyVerified = ProblemKind(
    "phone_already_verified", status: 409, title: "Already verified",
    doc: "The phone number is proven already; setting another number sends a new code.")
  public static let notDead = ProblemKind(
    "not_dead", status: 409, title: "Not dead-lettered",
    doc: "Only a dead-lettered callback delivery is resent; this one is pending or delivered.")
  public static let expired = ProblemKind(
    "expired", status: 410, title: "Expired",
    doc: "The verification request expired before the person decided it; the service provider starts a new one.")
  public static let codeExpired = ProblemKind(
    "code_expired", status: 410, title: "Code expired",
    doc: "The SMS code has expired; `PUT /api/v1/idp/profile` again for a new one.")
  public static let phoneClaimDead = ProblemKind(
    "phone_claim_dead", status: 410, title: "Too many wrong codes",
    doc: "Too many wrong SMS codes, so this code no longer works; `PUT /api/v1/idp/profile` again for a new one.")
  public static let weakPIN = ProblemKind(
    "weak_pin", status: 422, title: "PIN too easy to guess",
    doc: "A PIN may not be one digit repeated or a straight run like 123456; choose another.")
  public static let callbackURLRefused = ProblemKind(
    "callback_url_refused", status: 422, title: "Callback URL refused",
    doc: "The callback URL is not one Gatehouse connects to (not https, a private address, credentials in it); `detail` says why.")
  public static let pinLocked = ProblemKind(
    "pin_locked", status: 423, title: "PIN approval locked",
    doc: "Too many wrong PINs; PIN approval works again at the time `detail` gives.")
  public static let tooManyPending = ProblemKind(
    "too_many_pending", status: 429, title: "Too many pending requests",
    doc: "The person has as many verification requests waiting as allowed; wait until some are decided or expire.")
  public static let tooManyUnknownNumbers = ProblemKind(
    "too_many_unknown_numbers", status: 429, title: "Too many unknown numbers",
    doc: "The service provider asked for too many numbers without a profile lately; try again later.")
  public static let tooManyCodes = ProblemKind(
    "too_many_codes", status: 429, title: "Too many codes",
    doc: "Enough SMS codes were sent to this number or person for now; ask again after `Retry-After`.")
  public static let smsUnavailable = ProblemKind(
    "sms_unavailable", status: 503, title: "SMS unavailable",
    doc: "This deployment cannot send the SMS code that proves a phone number yet; retry after `Retry-After`.")

  public static let all = [
    invalidClient, invalidPIN, pinRejected, invalidCode, invalidAuthCode, userNotFound, profileNotFound, phoneClaimNotFound,
    transactionNotFound, serviceProviderNotFound, deliveryNotFound, alreadyProcessed, notCompleted, authCodeUsed, phoneAlreadyVerified,
    notDead, expired, codeExpired, phoneClaimDead, weakPIN, callbackURLRefused, pinLocked, tooManyPending, tooManyUnknownNumbers,
    tooManyCodes, smsUnavailable,
  ]
}
