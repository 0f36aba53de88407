import Foundation

/// Leaving (docs/leaving.md): a person deletes their own account at token-service, which then
/// has social-service and idp-service erase what they hold of it.
extension TokenRPC {
  /// The caller (the call's principal) deletes their own account.
  public static let deleteAccount = RPCMethod<AccountDeletionRequest, AccountDeleted>(service: .token, name: "delete_account")
}

extension SocialRPC {
  /// token-service, once an account is gone: its linked provider accounts go too.
  public static let eraseAccount = RPCMethod<AccountErasure, AccountErased>(service: .social, name: "erase_account")
}

extension IdPRPC {
  /// token-service, once an account is gone: its identity profile (CI, DI, phone, PIN) goes too.
  public static let eraseAccount = RPCMethod<AccountErasure, AccountErased>(service: .idp, name: "erase_account")
}

/// `DELETE /api/v1/users/me`'s body: the current password, unless the session proved itself
/// (second factor, passkey) within the last 10 minutes.
public struct AccountDeletionBody: Codable, Sendable {
  public var currentPassword: String?

  public init(currentPassword: String?) { self.currentPassword = currentPassword }

  enum CodingKeys: String, CodingKey { case currentPassword = "current_password" }
}

public struct AccountDeletionRequest: Codable, Sendable {
  public var body: AccountDeletionBody
  public var client: ClientInfo

  public init(body: AccountDeletionBody, client: ClientInfo) {
    self.body = body
    self.client = client
  }
}

/// What went with the account at once; linked provider accounts and the identity profile follow
/// within seconds.
public struct AccountDeleted: Codable, Sendable {
  public var deletedAt: Date
  public var sessionsEnded: Int
  public var membershipsEnded: Int
  public var auditRowsMinimised: Int

  public init(deletedAt: Date, sessionsEnded: Int, membershipsEnded: Int, auditRowsMinimised: Int) {
    self.deletedAt = deletedAt
    self.sessionsEnded = sessionsEnded
    self.membershipsEnded = membershipsEnded
    self.auditRowsMinimised = auditRowsMinimised
  }

  enum CodingKeys: String, CodingKey {
    case deletedAt = "deleted_at"
    case sessionsEnded = "sessions_ended"
    case membershipsEnded = "memberships_ended"
    case auditRowsMinimised = "audit_rows_minimised"
  }
}

/// The account that is gone.
public struct AccountErasure: Codable, Sendable {
  public var userID: String

  public init(userID: String) { self.userID = userID }

  enum CodingKeys: String, CodingKey { case userID = "user_id" }
}

/// How many rows of the account the service deleted and how many audit rows it minimised.
public struct AccountErased: Codable, Sendable {
  public var rowsDeleted: Int
  public var auditRowsMinimised: Int

  public init(rowsDeleted: Int, auditRowsMinimised: Int) {
    self.rowsDeleted = rowsDeleted
    self.auditRowsMinimised = auditRowsMinimised
  }

  enum CodingKeys: String, CodingKey {
    case rowsDeleted = "rows_deleted"
    case auditRowsMinimised = "audit_rows_minimised"
  }
}
