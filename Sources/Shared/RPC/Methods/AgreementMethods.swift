import Foundation

/// What the caller agreed to (docs/accounts.md, "Agreements"): the terms and the privacy policy
/// by version, and marketing mail, allowed or withdrawn. The caller is the call's principal.
extension TokenRPC {
  public static let agreements = RPCMethod<NoRequest, AgreementList>(service: .token, name: "agreements")
  public static let changeAgreement = RPCMethod<AgreementChange, AgreementList>(service: .token, name: "change_agreement")
}

/// `PUT /api/v1/users/me/agreements/{kind}`: accept the current version (terms, privacy,
/// marketing), or withdraw (marketing only).
public struct AgreementChange: Codable, Sendable {
  public var kind: String
  public var accepted: Bool
  public var client: ClientInfo

  public init(kind: String, accepted: Bool, client: ClientInfo) {
    self.kind = kind
    self.accepted = accepted
    self.client = client
  }
}

/// `{accepted}`: the body of that call.
public struct AgreementBody: Codable, Sendable {
  public var accepted: Bool
  public init(accepted: Bool) { self.accepted = accepted }
}

public struct AgreementView: Codable, Sendable {
  /// `terms`, `privacy` or `marketing`.
  public var kind: String
  public var version: String
  public var acceptedAt: Date
  public var withdrawnAt: Date?
  /// The version the deployment asks for now: an older accepted version is not current.
  public var current: Bool

  public init(kind: String, version: String, acceptedAt: Date, withdrawnAt: Date?, current: Bool) {
    self.kind = kind
    self.version = version
    self.acceptedAt = acceptedAt
    self.withdrawnAt = withdrawnAt
    self.current = current
  }

  enum CodingKeys: String, CodingKey {
    case kind, version, current
    case acceptedAt = "accepted_at"
    case withdrawnAt = "withdrawn_at"
  }
}

public struct AgreementList: Codable, Sendable {
  /// Newest first.
  public var agreements: [AgreementView]
  /// The versions the deployment asks for now, by kind.
  public var currentVersions: [String: String]

  public init(agreements: [AgreementView], currentVersions: [String: String]) {
    self.agreements = agreements
    self.currentVersions = currentVersions
  }

  enum CodingKeys: String, CodingKey {
    case agreements
    case currentVersions = "current_versions"
  }
}
