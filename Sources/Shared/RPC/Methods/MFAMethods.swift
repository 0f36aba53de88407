import Foundation

/// token-service's TOTP methods (docs/admin.md, "TOTP MFA"): enrolment and removal on the account routes, the
/// second step of a password sign-in, and step-up for a session that needs a fresh proof.
extension TokenRPC {
  public static let startTOTP = RPCMethod<MFARequest, TOTPEnrolment>(service: .token, name: "mfa_totp_start")
  public static let enableTOTP = RPCMethod<MFARequest, BackupCodeList>(service: .token, name: "mfa_totp_enable")
  public static let disableTOTP = RPCMethod<MFARequest, MFADisabled>(service: .token, name: "mfa_totp_disable")
  public static let replaceBackupCodes = RPCMethod<MFARequest, BackupCodeList>(service: .token, name: "mfa_backup_codes_replace")
  public static let resetMFA = RPCMethod<MFAResetRequest, MFADisabled>(service: .token, name: "mfa_admin_reset")
  public static let verifyMFA = RPCMethod<MFAVerifyRequest, TokenGrant>(service: .token, name: "mfa_verify")
  public static let stepUpMFA = RPCMethod<MFARequest, MFAStepUp>(service: .token, name: "mfa_step_up")
  /// Options for a passkey as the second step of the sign-in an `mfa_token` waits on.
  public static let mfaPasskeyOptions = RPCMethod<MFAPasskeyOptionsBody, PasskeyRequestOptions>(
    service: .token, name: "mfa_passkey_options")
}

/// A code from the authenticator app, or one of the backup codes (exactly one of them); to
/// start enrolment, the account's current password instead.
public struct MFACodeBody: Codable, Sendable {
  public var code: String?
  public var backupCode: String?
  public var currentPassword: String?
  /// At a sign-in's second step only: a passkey's answer instead of a code.
  public var passkey: PasskeyAssertionBody?

  public init(code: String? = nil, backupCode: String? = nil, currentPassword: String? = nil, passkey: PasskeyAssertionBody? = nil) {
    self.code = code
    self.backupCode = backupCode
    self.currentPassword = currentPassword
    self.passkey = passkey
  }

  enum CodingKeys: String, CodingKey {
    case code, passkey
    case backupCode = "backup_code"
    case currentPassword = "current_password"
  }
}

extension MFACodeBody {
  /// What a person typed in a page's one field: six digits are a TOTP code, anything else a
  /// backup code.
  public static func typed(_ text: String) -> MFACodeBody {
    let code = text.filter { !$0.isWhitespace }
    return code.count == 6 && code.allSatisfy(\.isASCII) && code.allSatisfy(\.isNumber)
      ? MFACodeBody(code: code) : MFACodeBody(backupCode: text.trimmingCharacters(in: .whitespaces))
  }
}

/// A signed-in user's MFA call: who, from which session, and the code when one is needed.
/// The caller's own second factor: the user, session and service are the call's principal.
public struct MFARequest: Codable, Sendable {
  public var body: MFACodeBody
  public var client: ClientInfo

  public init(body: MFACodeBody = MFACodeBody(), client: ClientInfo) {
    self.body = body
    self.client = client
  }
}

/// `POST /api/v1/auth/mfa/verify`'s body when it completes a sign-in.
public struct MFAVerifyBody: Codable, Sendable {
  public var mfaToken: String?
  public var code: String?
  public var backupCode: String?
  public var passkey: PasskeyAssertionBody?

  public init(mfaToken: String? = nil, code: String? = nil, backupCode: String? = nil, passkey: PasskeyAssertionBody? = nil) {
    self.mfaToken = mfaToken
    self.code = code
    self.backupCode = backupCode
    self.passkey = passkey
  }

  public var proof: MFACodeBody { MFACodeBody(code: code, backupCode: backupCode, passkey: passkey) }

  enum CodingKeys: String, CodingKey {
    case mfaToken = "mfa_token"
    case code, passkey
    case backupCode = "backup_code"
  }
}

/// `POST /api/v1/auth/mfa/passkey/options`'s body: the sign-in waiting on its second step.
public struct MFAPasskeyOptionsBody: Codable, Sendable {
  public var mfaToken: String
  public init(mfaToken: String) { self.mfaToken = mfaToken }
  enum CodingKeys: String, CodingKey { case mfaToken = "mfa_token" }
}

public struct MFAVerifyRequest: Codable, Sendable {
  public var mfaToken: String
  public var proof: MFACodeBody
  public var client: ClientInfo

  public init(mfaToken: String, proof: MFACodeBody, client: ClientInfo) {
    self.mfaToken = mfaToken
    self.proof = proof
    self.client = client
  }

  enum CodingKeys: String, CodingKey {
    case mfaToken = "mfa_token"
    case proof, client
  }
}

/// `POST /api/v1/users/me/mfa/totp`: what the authenticator app needs. Shown once; enrolment
/// completes when a code made from it is sent to `.../enable`.
public struct TOTPEnrolment: Codable, Sendable {
  /// The shared secret in base32, for typing in by hand.
  public var secret: String
  public var otpauthURI: String
  /// The `otpauth://` URI as a QR code: a `data:image/png;base64,...` URI.
  public var qrCode: String

  public init(secret: String, otpauthURI: String, qrCode: String) {
    self.secret = secret
    self.otpauthURI = otpauthURI
    self.qrCode = qrCode
  }

  enum CodingKeys: String, CodingKey {
    case secret
    case otpauthURI = "otpauth_uri"
    case qrCode = "qr_code"
  }
}

/// The ten one-time backup codes, shown once when MFA is enabled.
public struct BackupCodeList: Codable, Sendable {
  public var mfaEnabled: Bool
  public var backupCodes: [String]

  public init(backupCodes: [String]) {
    self.mfaEnabled = true
    self.backupCodes = backupCodes
  }

  enum CodingKeys: String, CodingKey {
    case mfaEnabled = "mfa_enabled"
    case backupCodes = "backup_codes"
  }
}

/// `DELETE /api/v1/users/{user_id}/mfa`: a SUPER_ADMIN removes the second factor of someone who
/// lost both the device and the backup codes.
public struct MFAResetRequest: Codable, Sendable {
  /// Whose second factor goes; who asks is the call's principal.
  public var userID: String

  public init(userID: String) {
    self.userID = userID
  }

  enum CodingKeys: String, CodingKey {
    case userID = "user_id"
  }
}

public struct MFADisabled: Codable, Sendable {
  public var mfaEnabled: Bool

  public init() { mfaEnabled = false }

  enum CodingKeys: String, CodingKey {
    case mfaEnabled = "mfa_enabled"
  }
}

/// A step-up: the session passed MFA now, and this access token says so.
public struct MFAStepUp: Codable, Sendable {
  public var accessToken: String
  public var tokenType: String
  public var expiresIn: Int

  public init(accessToken: String, expiresIn: Int) {
    self.accessToken = accessToken
    self.tokenType = "Bearer"
    self.expiresIn = expiresIn
  }

  enum CodingKeys: String, CodingKey {
    case accessToken = "access_token"
    case tokenType = "token_type"
    case expiresIn = "expires_in"
  }
}
