import Foundation

/// token-service's account-recovery methods (docs/recovery.md): proving an e-mail address and
/// resetting a forgotten password with a link sent by mail.
extension TokenRPC {
  public static let verifyEmail = RPCMethod<MailedTokenRequest, EmailVerified>(service: .token, name: "verify_email")
  /// The signed-in caller's verification mail again (or for the address waiting to replace it).
  public static let resendVerification = RPCMethod<ResendVerificationRequest, MailAccepted>(
    service: .token, name: "resend_verification")
  public static let forgotPassword = RPCMethod<ForgotPasswordRequest, MailAccepted>(service: .token, name: "forgot_password")
  /// The verification mail again, asked for by address (someone who cannot sign in before verifying).
  public static let requestVerification = RPCMethod<VerificationMailRequest, MailAccepted>(
    service: .token, name: "request_verification")
  public static let resetPassword = RPCMethod<ResetPasswordRequest, PasswordResetDone>(service: .token, name: "reset_password")
  /// The signed-in caller's new address, waiting for its link (the gateway passed the
  /// account-security gate first).
  public static let changeEmail = RPCMethod<ChangeEmailRequest, MailAccepted>(service: .token, name: "change_email")
}

/// `POST /api/v1/users/me/email`'s body: the new address, and the password as the
/// account-security gate's proof (or a second factor passed in the last 10 minutes).
public struct ChangeEmailBody: Codable, Sendable {
  public var email: String
  public var currentPassword: String?
  public init(email: String, currentPassword: String?) {
    self.email = email
    self.currentPassword = currentPassword
  }
  enum CodingKeys: String, CodingKey {
    case email
    case currentPassword = "current_password"
  }
}

/// What token-service gets: the address only (the password stays at the gateway's gate).
public struct ChangeEmailRequest: Codable, Sendable {
  public var email: String
  public var client: ClientInfo
  public init(email: String, client: ClientInfo) {
    self.email = email
    self.client = client
  }
}

/// `POST /api/v1/auth/email/verify`'s body: the token from the mailed link.
public struct MailedTokenBody: Codable, Sendable {
  public var token: String
  public init(token: String) { self.token = token }
}

public struct MailedTokenRequest: Codable, Sendable {
  public var body: MailedTokenBody
  public var client: ClientInfo
  public init(body: MailedTokenBody, client: ClientInfo) {
    self.body = body
    self.client = client
  }
}

/// The address the link proved, now the account's verified address.
public struct EmailVerified: Codable, Sendable {
  public var email: String
  public var emailVerified: Bool
  /// The service the mail spoke for, to offer its sign-in after.
  public var service: String?
  public init(email: String, service: String?) {
    self.email = email
    self.emailVerified = true
    self.service = service
  }
  enum CodingKeys: String, CodingKey {
    case email, service
    case emailVerified = "email_verified"
  }
}

public struct ResendVerificationRequest: Codable, Sendable {
  public var client: ClientInfo
  public init(client: ClientInfo) { self.client = client }
}

/// `202 Accepted`: the mail will go out (or, for an address no account has, nothing will; the
/// answer is the same).
public struct MailAccepted: Codable, Sendable {
  public var status: String
  public init() { status = "accepted" }
}

/// `POST /api/v1/auth/password/forgot`'s body.
public struct ForgotPasswordBody: Codable, Sendable {
  public var service: String
  public var email: String
  public init(service: String, email: String) {
    self.service = service
    self.email = email
  }
}

public struct ForgotPasswordRequest: Codable, Sendable {
  public var body: ForgotPasswordBody
  public var client: ClientInfo
  public init(body: ForgotPasswordBody, client: ClientInfo) {
    self.body = body
    self.client = client
  }
}

/// `POST /api/v1/auth/email/verification`'s body: the service and the address to verify.
public struct VerificationMailBody: Codable, Sendable {
  public var service: String
  public var email: String
  public init(service: String, email: String) {
    self.service = service
    self.email = email
  }
}

public struct VerificationMailRequest: Codable, Sendable {
  public var body: VerificationMailBody
  public var client: ClientInfo
  public init(body: VerificationMailBody, client: ClientInfo) {
    self.body = body
    self.client = client
  }
}

/// `POST /api/v1/auth/password/reset`'s body: the mailed token and the new password.
public struct ResetPasswordBody: Codable, Sendable {
  public var token: String
  public var password: String
  public init(token: String, password: String) {
    self.token = token
    self.password = password
  }
}

public struct ResetPasswordRequest: Codable, Sendable {
  public var body: ResetPasswordBody
  public var client: ClientInfo
  public init(body: ResetPasswordBody, client: ClientInfo) {
    self.body = body
    self.client = client
  }
}

/// The password is set; every session of the account ended (`sessions_ended`), and the service
/// the mail spoke for, to sign in again.
public struct PasswordResetDone: Codable, Sendable {
  public var sessionsEnded: Int
  public var service: String?
  public init(sessionsEnded: Int, service: String?) {
    self.sessionsEnded = sessionsEnded
    self.service = service
  }
  enum CodingKeys: String, CodingKey {
    case service
    case sessionsEnded = "sessions_ended"
  }
}
