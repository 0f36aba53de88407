import Foundation

/// The caller's sign-in history (docs/accounts.md, "Sign-in history"): successes and failures,
/// newest first, from the audit log.
extension TokenRPC {
  public static let signInHistory = RPCMethod<HistoryRequest, SignInHistory>(service: .token, name: "sign_in_history")
}

/// One attempt to sign in as the caller.
public struct SignInEvent: Codable, Sendable {
  /// `success` or `failure`.
  public var outcome: String
  /// `password`, `passkey`, a provider's name (`google`), or the hosted pages' methods
  /// (`pwd hwk mfa`, RFC 8176 names) for a browser's sign-in.
  public var method: String
  /// For a success, the second factor it passed (`totp`, `backup_code`, `passkey`); for a failure,
  /// what failed (`wrong_password`, `wrong_code`) and whether it locked the account.
  public var detail: String?
  public var service: String?
  public var ip: String?
  public var userAgent: String?
  /// The user agent as a person names it ("Chrome 131 · Windows").
  public var device: String
  public var at: Date

  public init(
    outcome: String, method: String, detail: String?, service: String?, ip: String?, userAgent: String?, device: String, at: Date
  ) {
    self.outcome = outcome
    self.method = method
    self.detail = detail
    self.service = service
    self.ip = ip
    self.userAgent = userAgent
    self.device = device
    self.at = at
  }

  enum CodingKeys: String, CodingKey {
    case outcome, method, detail, service, ip, device, at
    case userAgent = "user_agent"
  }
}

public struct SignInHistory: Codable, Sendable {
  public var events: [SignInEvent]
  public var nextCursor: String?
  public init(events: [SignInEvent], nextCursor: String?) {
    self.events = events
    self.nextCursor = nextCursor
  }
  enum CodingKeys: String, CodingKey {
    case events
    case nextCursor = "next_cursor"
  }
}
