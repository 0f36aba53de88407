import Foundation

/// A number the person asked for and has not proven yet: a six-digit code went to it by SMS,
/// and `POST /api/v1/idp/profile/phone/verify {code}` makes it the profile's (docs/idp.md).
public struct PhoneVerificationPending: Codable, Sendable, Equatable {
  public var userPhoneNumber: String
  public var expiresAt: Date
  public var attemptsLeft: Int
  /// What to do next, for a person reading the answer.
  public var next: String

  public init(userPhoneNumber: String, expiresAt: Date, attemptsLeft: Int) {
    self.userPhoneNumber = userPhoneNumber
    self.expiresAt = expiresAt
    self.attemptsLeft = attemptsLeft
    self.next = "POST /api/v1/idp/profile/phone/verify with {\"code\": the six digits sent by SMS} before expires_at"
  }

  enum CodingKeys: String, CodingKey {
    case userPhoneNumber = "user_phone_number"
    case expiresAt = "expires_at"
    case attemptsLeft = "attempts_left"
    case next
  }
}

/// `POST /api/v1/idp/profile/phone/verify`.
public struct PhoneCodeBody: Codable, Sendable {
  public var code: String
  public init(code: String) { self.code = code }
}

public struct VerifyPhone: Codable, Sendable {
  public var code: String
  public var client: ClientInfo

  public init(code: String, client: ClientInfo) {
    self.code = code
    self.client = client
  }
}
